"""Every endpoint's answers for the seeded directory validate against the ORUK 3.0 schemas (offline, with format
checks), the way the ORUK validator reads a feed: page 1, a middle page and the last page of each list, then ten
random ids of each kind by id."""

import random

import pytest
from sqlmodel import select

from directory.models import District
from directory.models.ids import stable_id
from directory.oruk import schemas
from tests.api.conftest import get_json, walk

# (list address, its schema, the by-id address, its schema)
ENDPOINTS = [
    ("/api/services", "service_list", "/api/services/{}", "service"),
    ("/api/services?full=true", "service_list", None, None),
    ("/api/service_at_locations", "service_at_location_list", "/api/service_at_locations/{}", "service_at_location"),
    ("/api/service_at_locations?full=true", "service_at_location_list", None, None),
    ("/api/organizations", "organization_list", "/api/organizations/{}", "organization"),
    ("/api/organizations?full=true", "organization_list", "/api/organizations/{}?full_service=true",
     "organization"),
    ("/api/taxonomies", "taxonomy_list", "/api/taxonomies/{}", "taxonomy"),
    ("/api/taxonomy_terms", "taxonomy_term_list", "/api/taxonomy_terms/{}", "taxonomy_term"),
]
PER_PAGE = 4  # small pages, so that every list has a middle page


def _paged(url: str, page: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={page}&per_page={PER_PAGE}"


def test_the_api_details_validate_and_name_the_profile_and_description(api):
    details = get_json(api, "/api/", "api_details")
    assert details["version"] == "HSDS-UK-3.0"
    assert details["profile"] == "https://openreferraluk.org/specifications/3.0/"
    assert details["openapi_url"] == "http://localhost/api/openapi.json"


@pytest.mark.parametrize(("list_url", "list_schema", "id_url", "id_schema"), ENDPOINTS)
def test_first_middle_and_last_pages_and_ten_random_ids_validate(api, list_url, list_schema, id_url, id_schema):
    first = get_json(api, _paged(list_url, 1), list_schema)
    pages = first["total_pages"]
    assert pages >= 2, "the seed fills more than one page of each list"
    assert first["first_page"] and not first["last_page"] and first["page_number"] == 1
    middle = get_json(api, _paged(list_url, pages // 2 + 1), list_schema) if pages > 2 else first
    last = get_json(api, _paged(list_url, pages), list_schema)
    assert last["last_page"] and not last["empty"] and last["page_number"] == pages
    assert first["size"] == PER_PAGE == len(first["contents"])
    assert 1 <= last["size"] <= PER_PAGE
    assert first["total_items"] == (pages - 1) * PER_PAGE + last["size"]
    # Every id of the list, gathered from every page: no item twice, none missed.
    ids = [item["id"] for page in range(1, pages + 1)
           for item in get_json(api, _paged(list_url, page))["contents"]]
    assert len(ids) == len(set(ids)) == first["total_items"]
    assert {item["id"] for item in middle["contents"]} <= set(ids)
    if id_url:
        for chosen in random.Random(15).sample(ids, min(10, len(ids))):
            record = get_json(api, id_url.format(chosen), id_schema)
            assert record["id"] == chosen


def test_a_page_after_the_last_is_empty_and_still_valid(api):
    body = get_json(api, "/api/services?page=999&per_page=10", "service_list")
    assert body["empty"] and body["contents"] == [] and body["size"] == 0
    assert body["page_number"] == 999 and body["last_page"] and not body["first_page"]


def test_a_fully_nested_service_holds_every_part_the_seed_gives_it(api):
    services = get_json(api, "/api/services?full=true&per_page=100", "service_list")["contents"]
    assert len(services) == 51
    keys = set().union(*services)
    for nested in ("organization", "service_areas", "service_at_locations", "cost_options", "languages",
                   "attributes", "schedules"):
        assert nested in keys, nested
    located = next(s for s in services if "service_at_locations" in s)
    location = located["service_at_locations"][0]["location"]
    assert location["location_type"] == "physical"
    assert location["addresses"][0]["country"] == "GB" and location["addresses"][0]["address_type"] == "physical"
    assert location["accessibility"][0]["description"]
    # By id, the same service as in the full list.
    assert get_json(api, f"/api/services/{located['id']}", "service") == located


def test_no_value_is_ever_null_or_empty_text(api):
    for url in ("/api/services?full=true&per_page=100", "/api/service_at_locations?full=true&per_page=100",
                "/api/organizations?full=true&per_page=100", "/api/taxonomy_terms?per_page=100"):
        for key, value in walk(get_json(api, url)["contents"]):
            assert value is not None and value != "", (url, key)


def test_minimal_services_validate(api):
    body = get_json(api, "/api/services?minimal=true&per_page=100", "service_list")
    assert {frozenset(item) for item in body["contents"]} == {frozenset({"id", "name", "status", "last_modified"})}


def test_the_schemas_are_read_offline_and_check_formats():
    # The loader itself: a bad uri, email, uuid and date-time are each caught (with the format extras installed).
    problems = schemas.errors("service", {"id": "not-a-uuid", "name": "A", "status": "active", "url": "example_com",
                                          "email": "email-example_com", "last_modified": "yesterday"})
    assert {p.split(":")[0] for p in problems} == {"id", "url", "email", "last_modified"}


def test_ids_follow_the_oruk_contract(api, read_only_app):
    """The ids import-oruk maps back by: stable_id of each part's kind and key (directory/models/ids.py)."""
    session = read_only_app.extensions["db"].session_factory()
    slugs = {name: slug for name, slug in session.exec(select(District.name, District.slug))}
    session.close()
    services = get_json(api, "/api/services?full=true&per_page=100")["contents"]
    checked = 0
    for service in services:
        sid = service["id"]
        for attribute in service.get("attributes", []):
            assert attribute["id"] == str(stable_id("attribute", f"{sid}:{attribute['taxonomy_term_id']}"))
            assert attribute["link_id"] == sid and attribute["taxonomy_term"]["id"] == attribute["taxonomy_term_id"]
            checked += 1
        for i, cost in enumerate(service.get("cost_options", [])):
            assert cost["id"] == str(stable_id("cost_option", f"{sid}:{i}"))
        for schedule in service.get("schedules", []):
            assert schedule["id"] == str(stable_id("schedule", sid))
        for area in service.get("service_areas", []):
            assert area["id"] == str(stable_id("service_area", f"{sid}:{slugs[area['name']]}"))
    assert checked > 100
