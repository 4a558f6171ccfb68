"""What every /api answer carries: JSON errors naming the problem, CORS for every origin, no session; and the
SEND extension. (Answers that follow a change to the directory are in test_changes.py.)"""

import uuid

import pytest

from tests.api.conftest import get_json

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("path", ["services", "service_at_locations", "organizations", "taxonomies",
                                  "taxonomy_terms"])
def test_an_unknown_id_is_a_json_404(api, path):
    body = get_json(api, f"/api/{path}/{UNKNOWN}", status=404)
    assert body["status"] == 404 and UNKNOWN in body["message"]
    assert "UUID" in get_json(api, f"/api/{path}/not-an-id", status=404)["message"]


@pytest.mark.parametrize(("query", "parameter"), [
    ("/api/services?page=0", "page"),
    ("/api/services?page=two", "page"),
    ("/api/services?per_page=-1", "per_page"),
    ("/api/services?full=perhaps", "full"),
    ("/api/services?taxonomy_term_id=speech", "taxonomy_term_id"),
    ("/api/services?taxonomy_id=1", "taxonomy_id"),
    ("/api/services?organization_id=x", "organization_id"),
    ("/api/services?modified_after=last+week", "modified_after"),
    ("/api/services?minimum_age=old", "minimum_age"),
    ("/api/services?maximum_age=-3", "maximum_age"),
    ("/api/services?format=xml", "format"),
    ("/api/services?search=" + "a" * 201, "search"),
    ("/api/services?page=1&page=2", "page"),
    ("/api/service_at_locations?proximity=1000", "proximity"),
    ("/api/service_at_locations?postcode=nowhere", "postcode"),
    ("/api/taxonomy_terms?parent_id=top", "parent_id"),
    ("/api/taxonomy_terms?top_only=maybe", "top_only"),
    ("/api/organizations/" + UNKNOWN + "?full_service=2", "full_service"),
])
def test_a_bad_parameter_is_a_json_400_naming_it(api, query, parameter):
    body = get_json(api, query, status=400)
    assert body["parameter"] == parameter and body["message"].startswith(parameter)
    assert body["error"] == "Bad Request"


def test_what_the_description_allows_is_answered(api):
    # Schema-valid, so never a 400: minimal wins over full; a minimum above the maximum matches nothing.
    both = get_json(api, "/api/services?minimal=true&full=true&per_page=1", "service_list")["contents"][0]
    assert set(both) == {"id", "name", "status", "last_modified"}
    assert get_json(api, "/api/services?minimum_age=10&maximum_age=5", "service_list")["empty"]
    assert get_json(api, "/api/services?modified_after=2000-01-01t00:00:60.123456789z")["total_items"] == 51


def test_proximity_says_it_is_not_supported(api):
    assert "not supported" in get_json(api, "/api/service_at_locations?proximity=5&postcode=ST16", status=400)[
        "message"]


def test_unknown_addresses_and_methods_are_json_too(api):
    assert get_json(api, "/api/nothing-here", status=404)["status"] == 404
    response = api.post("/api/services")
    assert response.status_code == 405 and response.get_json()["status"] == 405
    assert "GET" in response.headers["Allow"]
    # NUL in an address or query: refused before any view, still as JSON.
    assert get_json(api, "/api/services?search=%00", status=400)["status"] == 400
    # Outside /api, the site's own pages are unchanged.
    page = api.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


@pytest.mark.parametrize("url", ["/api/", "/api/services", f"/api/services/{UNKNOWN}", "/api/services?page=x",
                                 "/api/nothing-here", "/api/openapi.json"])
def test_every_answer_is_open_to_every_origin(api, url):
    response = api.get(url, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_conditional_requests(api):
    response = api.options("/api/services", headers={"Origin": "https://example.org",
                                                     "Access-Control-Request-Method": "GET",
                                                     "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_no_session_cookie_and_no_csrf(api):
    for url in ("/api/", "/api/services?full=true", f"/api/services/{UNKNOWN}", "/api/services?page=x"):
        response = api.get(url)
        assert "Set-Cookie" not in response.headers, url
    assert api.get_cookie("session") is None


def test_the_extension_holds_the_send_fields(api):
    services = get_json(api, "/api/services?full=true&per_page=100")["contents"]
    extension = services[0]["send_directory"]
    assert {"slug", "summary", "how_to_refer", "referral_method", "accepting_referrals",
            "response_target_days"} <= set(extension)
    assert any("eligibility" in s["send_directory"] for s in services)
    assert any("relations" in s["send_directory"] for s in services)
    assert uuid.UUID(next(s for s in services if "relations" in s["send_directory"])["send_directory"][
        "relations"][0]["service"])
