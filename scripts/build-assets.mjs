// Builds the site's assets into directory/static, served at /assets: CSS from Sass, GOV.UK Frontend JS.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "directory", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const css = sass.compile(join(root, "directory", "assets", "application.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "css", "application.css"), css.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
// Icons only: the GDS fonts and GOV.UK crown images are deliberately not copied.
mkdirSync(join(out, "images"), { recursive: true });
writeFileSync(
  join(out, "images", "favicon.svg"),
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d70b8"/>' +
    '<text x="16" y="22" font-family="Arial" font-size="16" font-weight="bold" fill="#fff" text-anchor="middle">S</text></svg>',
);
console.log(`assets built in ${out}`);
