"""Only directory/listings writes listings: no other module of the application builds a listing's rows or uses the
row writer, and the seed and the import command leave a revision of every listing they change."""

import ast
from pathlib import Path

from sqlmodel import select

from directory.config import PROJECT_ROOT
from directory.listings import writer
from directory.models import ListingRevision, Service

LISTING_MODELS = {"Service", "Organisation", "Location", "Address", "Accessibility", "ServiceArea",
                  "ServiceAttribute", "ServiceAtLocation", "Phone", "Contact", "CostOption", "Language",
                  "ServiceRelation"}
PACKAGE = PROJECT_ROOT / "directory"
ALLOWED = {PACKAGE / "listings"}


def application_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or any(folder in path.parents for folder in ALLOWED):
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def test_no_module_outside_listings_builds_listing_rows_or_uses_the_row_writer():
    found = []
    for path, tree in application_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in LISTING_MODELS:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} builds a {node.func.id}")
            if isinstance(node, ast.ImportFrom) and node.module == "directory.listings.rows" \
                    and Path(path).name != "apply.py":
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} imports the row writer")
    assert found == []


def test_the_seed_and_the_import_write_through_the_writer(db_session, runner, tmp_path):
    import json

    from directory.seed.export import export_services

    early_help = db_session.exec(select(Service).where(Service.slug == "early-help-family-support")).one()
    document = export_services(db_session)
    entry = next(s for s in document["services"] if s["id"] == str(early_help.id))
    entry["summary"] = "Support for the whole family, early, from the family hub team."
    path = tmp_path / "services.json"
    path.write_text(json.dumps(document))
    before = writer.latest_revision(db_session, early_help.id)
    assert runner.invoke(args=["import-services", str(path)]).exit_code == 0
    newest = writer.revisions(db_session, early_help.id)[0]
    assert (newest.number, newest.source, newest.changed_fields) == (before + 1, "import", ["summary"])
    assert {r.source for r in db_session.exec(select(ListingRevision).where(ListingRevision.number == 1))} == {"seed"}
