"""Each list parameter filters as documented (checked against the database itself), parameters combine with AND,
and search gives the site's own ranking."""

import json
import uuid
from datetime import timedelta

import pytest
from flask import current_app
from sqlmodel import select

from directory.data import service_search
from directory.models import (
    District,
    Organisation,
    OutwardCode,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)
from directory.search import SearchRequest
from directory.search.sync import get_index
from tests.api.conftest import get_json


@pytest.fixture(scope="module")
def db(read_only_app):
    session = read_only_app.extensions["db"].session_factory()
    yield session
    session.close()


def service_ids(api, query: str) -> list[str]:
    body = get_json(api, f"/api/services?per_page=100&{query}", "service_list")
    assert body["total_items"] == len(body["contents"])
    return [item["id"] for item in body["contents"]]


def ids_of(rows) -> set[str]:
    return {str(row) for row in rows}


def test_services_are_listed_in_id_order_when_not_searching(api, db):
    listed = service_ids(api, "")
    assert listed == sorted(listed, key=uuid.UUID)
    assert set(listed) == ids_of(db.exec(select(Service.id)))


def test_taxonomy_term_id(api, db):
    term = db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code == "speech-and-language-therapy")).one()
    expected = ids_of(db.exec(select(ServiceAttribute.service_id).where(ServiceAttribute.taxonomy_term_id == term.id)))
    assert 0 < len(expected) < 51
    assert set(service_ids(api, f"taxonomy_term_id={term.id}")) == expected


def test_taxonomy_id(api, db):
    taxonomy = db.exec(select(Taxonomy).where(Taxonomy.slug == "sen-types")).one()
    expected = ids_of(db.exec(select(ServiceAttribute.service_id).join(TaxonomyTerm).where(
        TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id, TaxonomyTerm.taxonomy_id == taxonomy.id)))
    assert 0 < len(expected)
    assert set(service_ids(api, f"taxonomy_id={taxonomy.id}")) == expected


def test_organization_id(api, db):
    organisation = db.exec(select(Organisation).where(Organisation.name.contains("Midlands Partnership"))).first()
    organisation = organisation or db.exec(select(Organisation)).first()
    expected = ids_of(db.exec(select(Service.id).where(Service.organisation_id == organisation.id)))
    assert expected
    assert set(service_ids(api, f"organization_id={organisation.id}")) == expected


def test_modified_after_is_on_or_after(api, db):
    times = sorted(db.exec(select(Service.last_modified)).all())
    newest = times[-1]
    expected = ids_of(db.exec(select(Service.id).where(Service.last_modified >= newest)))
    stamp = newest.isoformat(timespec="microseconds").replace("+00:00", "Z")
    assert set(service_ids(api, f"modified_after={stamp}")) == expected
    assert service_ids(api, "modified_after=" + (newest + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == []
    assert len(service_ids(api, "modified_after=2000-01-01")) == 51


def test_ages_as_the_uk_profile_says(api, db):
    # minimum_age: services whose minimum age is at least this; maximum_age: whose maximum is at most this.
    older = ids_of(db.exec(select(Service.id).where(Service.minimum_age >= 4)))
    assert set(service_ids(api, "minimum_age=4")) == older
    younger = ids_of(db.exec(select(Service.id).where(Service.maximum_age <= 18)))
    assert set(service_ids(api, "maximum_age=18")) == younger
    both = ids_of(db.exec(select(Service.id).where(Service.minimum_age >= 4, Service.maximum_age <= 18)))
    assert both and set(service_ids(api, "minimum_age=4&maximum_age=18")) == both


def test_parameters_combine_with_and(api, db):
    term = db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code == "self")).one()
    with_term = ids_of(db.exec(select(ServiceAttribute.service_id).where(ServiceAttribute.taxonomy_term_id == term.id)))
    young = ids_of(db.exec(select(Service.id).where(Service.maximum_age <= 19)))
    expected = with_term & young
    assert expected and expected != with_term and expected != young
    assert set(service_ids(api, f"taxonomy_term_id={term.id}&maximum_age=19")) == expected


def site_ranking(app, text: str) -> list[str]:
    """The site's own search, page after page, as the search page calls it."""
    with app.test_request_context():
        session = current_app.extensions["db"].session_factory()
        places = service_search.PlaceCache()
        ranked, page = [], 1
        while True:
            results = service_search.find(session, get_index(app), SearchRequest(text=text, page=page),
                                          places=places).results
            if results.page != page or not results.ids:
                return ranked
            ranked += results.ids
            page += 1


def test_search_gives_the_sites_ranking(api, read_only_app):
    ranking = site_ranking(read_only_app, "speech")
    assert len(ranking) > 5
    assert service_ids(api, "search=speech") == ranking
    page_two = get_json(api, "/api/services?search=speech&per_page=5&page=2", "service_list")
    assert [item["id"] for item in page_two["contents"]] == ranking[5:10]
    assert page_two["total_items"] == len(ranking)


def test_search_with_a_filter_keeps_the_ranking_of_what_is_left(api, db, read_only_app):
    ranking = site_ranking(read_only_app, "speech")
    young = ids_of(db.exec(select(Service.id).where(Service.maximum_age <= 18)))
    expected = [i for i in ranking if i in young]
    assert expected and len(expected) < len(ranking)
    assert service_ids(api, "search=speech&maximum_age=18") == expected
    window = get_json(api, "/api/services?search=speech&maximum_age=18&per_page=2&page=2")["contents"]
    assert [item["id"] for item in window] == expected[2:4]


def test_search_reads_a_place_as_the_site_does(api, read_only_app):
    assert service_ids(api, "search=speech+therapy+in+Tamworth") == site_ranking(read_only_app,
                                                                                  "speech therapy in Tamworth")


def test_ndjson_gives_every_result_one_a_line(api):
    response = api.get("/api/services?format=ndjson&maximum_age=18")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    listed = get_json(api, "/api/services?per_page=100&maximum_age=18")["contents"]
    assert lines == listed
    full = api.get("/api/services?format=ndjson&full=true").get_data(as_text=True).splitlines()
    assert len(full) == 51 and all("attributes" in json.loads(line) for line in full[:5])
    terms = api.get("/api/taxonomy_terms?format=ndjson").get_data(as_text=True).splitlines()
    assert len(terms) == get_json(api, "/api/taxonomy_terms")["total_items"]


def test_per_page_is_capped_at_100(api):
    body = get_json(api, "/api/taxonomy_terms?per_page=1000", "taxonomy_term_list")
    assert body["size"] == min(100, body["total_items"])
    assert body["total_pages"] == -(-body["total_items"] // 100)


def test_service_at_locations_by_postcode_follow_the_service_areas(api, db):
    district_ids = set(db.exec(select(OutwardCode.district_id).where(OutwardCode.code == "ST16")))
    covering = set(db.exec(select(ServiceArea.service_id).where(ServiceArea.district_id.in_(district_ids))))
    rows = db.exec(select(ServiceAtLocation.id, ServiceAtLocation.service_id)).all()
    expected = {str(row_id) for row_id, service_id in rows if service_id in covering}
    everywhere = get_json(api, "/api/service_at_locations?per_page=100", "service_at_location_list")
    assert everywhere["total_items"] == len(rows)
    found = get_json(api, "/api/service_at_locations?postcode=st16+3ne&per_page=100", "service_at_location_list")
    assert {item["id"] for item in found["contents"]} == expected
    assert expected != {str(row_id) for row_id, _ in rows}
    assert get_json(api, "/api/service_at_locations?postcode=ZE1+0AA")["contents"] == []  # a place not covered


def test_service_at_locations_filter_by_their_service(api, db):
    some_sal = db.exec(select(ServiceAtLocation)).first()
    service = db.get(Service, some_sal.service_id)
    found = get_json(api, f"/api/service_at_locations?organization_id={service.organisation_id}&per_page=100",
                     "service_at_location_list")["contents"]
    expected = {str(row.id) for row in db.exec(select(ServiceAtLocation).join(Service).where(
        Service.id == ServiceAtLocation.service_id, Service.organisation_id == service.organisation_id))}
    assert {item["id"] for item in found} == expected
    assert all(item["service"]["id"] == item["service_id"] for item in found)


def test_taxonomy_terms_by_taxonomy_parent_and_top_only(api, db):
    taxonomy = db.exec(select(Taxonomy).where(Taxonomy.slug == "sen-types")).one()
    in_taxonomy = ids_of(db.exec(select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == taxonomy.id)))
    listed = get_json(api, f"/api/taxonomy_terms?taxonomy_id={taxonomy.id}&per_page=100", "taxonomy_term_list")
    assert {t["id"] for t in listed["contents"]} == in_taxonomy
    child = db.exec(select(TaxonomyTerm).where(TaxonomyTerm.parent_id.is_not(None))).first()
    assert child is not None, "the seed has a hierarchy"
    siblings = ids_of(db.exec(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id == child.parent_id)))
    by_parent = get_json(api, f"/api/taxonomy_terms?parent_id={child.parent_id}&per_page=100")["contents"]
    assert {t["id"] for t in by_parent} == siblings
    top = get_json(api, "/api/taxonomy_terms?top_only=true&per_page=100", "taxonomy_term_list")["contents"]
    assert {t["id"] for t in top} == ids_of(db.exec(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id.is_(None))))
    assert all("parent_id" not in t for t in top)


def test_a_taxonomy_holds_its_terms(api, db):
    taxonomy = db.exec(select(Taxonomy).where(Taxonomy.slug == "need-areas")).one()
    body = get_json(api, f"/api/taxonomies/{taxonomy.id}", "taxonomy")
    assert {t["id"] for t in body["taxonomy_terms"]} == ids_of(
        db.exec(select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == taxonomy.id)))


def test_names_are_searched_in_organisations_taxonomies_and_terms(api):
    organisations = get_json(api, "/api/organizations?search=council&per_page=100", "organization_list")["contents"]
    assert organisations and all("council" in o["name"].lower() for o in organisations)
    terms = get_json(api, "/api/taxonomy_terms?search=speech&per_page=100", "taxonomy_term_list")["contents"]
    assert terms and all("speech" in t["name"].lower() for t in terms)
    assert get_json(api, "/api/taxonomies?search=zzzz", "taxonomy_list")["empty"]


def test_an_organisation_lists_its_services(api, db):
    organisation_id = db.exec(select(Service.organisation_id)).first()
    body = get_json(api, f"/api/organizations/{organisation_id}", "organization")
    assert {s["id"] for s in body["services"]} == ids_of(
        db.exec(select(Service.id).where(Service.organisation_id == organisation_id)))
    full = get_json(api, f"/api/organizations/{organisation_id}?full_service=true", "organization")
    assert all("attributes" in s for s in full["services"])


def test_districts_are_named_in_service_areas(api, db):
    service = get_json(api, "/api/services?full=true&per_page=1")["contents"][0]
    names = set(db.exec(select(District.name)))
    assert service["service_areas"] and all(area["name"] in names for area in service["service_areas"])
