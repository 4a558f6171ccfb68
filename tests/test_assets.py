"""Front-end assets: the GOV.UK Frontend version matches the Jinja macros, built CSS is served, no GDS font."""

import json
from importlib.metadata import version

from directory.config import PROJECT_ROOT

# govuk-frontend-jinja release -> the govuk-frontend release it targets (from its compatibility table).
JINJA_TARGETS = {"4.1.0": "6.3.0"}


def test_npm_govuk_frontend_is_the_version_the_jinja_macros_target():
    target = JINJA_TARGETS[version("govuk-frontend-jinja")]
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    assert package["dependencies"]["govuk-frontend"] == target
    installed = json.loads((PROJECT_ROOT / "node_modules" / "govuk-frontend" / "package.json").read_text())
    assert installed["version"] == target


def test_built_css_is_served_at_assets_without_the_gds_font(client):
    with client.get("/assets/css/application.css") as response:
        assert response.status_code == 200
        css = response.get_data(as_text=True)
    assert ".govuk-button" in css
    assert "GDS Transport" not in css
    assert "system-ui" in css
    with client.get("/assets/js/govuk-frontend.min.js") as script:
        assert script.status_code == 200
