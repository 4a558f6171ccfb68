"""import-oruk: the validator's Default mocks import, its Fail mocks are refused naming the bad fields and writing
nothing; taxonomy terms map by id, code or name and the rest is reported; a second import changes nothing;
--withdraw-missing; a lead's pending change request is left waiting and reported; a file, a folder and a
running API read page by page over real HTTP."""

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import func, select

from directory.listings import change_requests, writer
from directory.models import ListingRevision, Organisation, Service, Taxonomy, TaxonomyTerm, stable_id
from directory.models.listings import ChangeRequest
from tests.helpers.databases import dump
from tests.helpers.people import make_user

MOCKS = Path(__file__).resolve().parent.parent / "fixtures" / "oruk" / "validator-mocks"
DEFAULT, FAIL = MOCKS / "V3.0-UK-Default", MOCKS / "V3.0-UK-Fail"
COUNSELLING = "ac148810-d857-441c-9679-408f346de14b"
EARLY_HELP = "early-help-family-support"


def service_full() -> dict:
    return json.loads((DEFAULT / "service_full.json").read_text())


def write(folder: Path, document, name="feed.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(document))
    return path


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def imported(session, service_id=COUNSELLING) -> dict:
    return writer.service_entry(session, stable_id("service", service_id))


def import_oruk(runner, *args):
    return runner.invoke(args=["import-oruk", *map(str, args)])


def test_the_validators_default_mocks_import_with_safe_defaults(runner, db_session):
    revisions = count(db_session, ListingRevision)
    result = import_oruk(runner, DEFAULT)
    assert result.exit_code == 0, result.output
    assert "created 1 service" in result.output
    entry = imported(db_session)
    assert entry["name"] == "Community Counselling" and entry["status"] == "active"
    assert (entry["min_age"], entry["max_age"]) == (12, 100)
    assert entry["url"] == "http://example.com/counselling" and entry["assured_date"] == "2005-01-01"
    # What ORUK cannot say: no referral through this site, a plain sentence, listed for help and advice.
    assert entry["referral_method"] == "none" and entry["accepting_referrals"] is True
    assert entry["how_to_refer"] == "Contact the service to ask how to get a referral."
    assert entry["categories"] == ["information-and-advice"] and entry["needs"] == entry["referrers"] == []
    assert entry["summary"].startswith("Counselling Services provided by trained professionals.")
    assert entry["contacts"] == [{"name": "Ann Persona", "title": "Reception Manager"}]
    assert entry["costs"] == [{"option": "Under 18s and Over 60s", "amount": 35,
                               "amount_description": "per 1 hour session"}]
    assert entry["opening_hours"].startswith("The service is available from 10 am to 6pm weekdays.")
    assert entry["organisation"] == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert db_session.get(Organisation, stable_id("organisation", "e4a1b2c3-d4e5-4f6a-7b8c-9d0e1f2a3b4c")).name \
        == "City Tech Academy"  # from organization_list.json
    [location] = entry["locations"]
    assert location == "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    # Not mapped, and said so: the area, the taxonomy term, the nameless language, the impossible latitude.
    assert "taxonomy term 'name' matches no category, need or referrer" in result.output
    assert "no service area is a district: listed in every district" in result.output
    assert "has no name: left out" in result.output and "latitude 100 is out of range" in result.output
    [revision] = db_session.exec(select(ListingRevision).where(ListingRevision.number == 1, ListingRevision.service_id
                                                               == stable_id("service", COUNSELLING))).all()
    assert revision.source == "open_referral"
    assert count(db_session, ListingRevision) == revisions + 1


def test_a_second_import_of_the_same_feed_changes_nothing(runner, db_session):
    assert import_oruk(runner, DEFAULT).exit_code == 0
    before = dump(db_session)
    result = import_oruk(runner, DEFAULT)
    assert result.exit_code == 0, result.output
    assert "No changes: the directory already matches the feed." in result.output
    assert dump(db_session) == before  # no new revision, no directory revision, no search change


def test_the_validators_fail_mocks_are_refused_naming_the_bad_fields(runner, db_session):
    before = dump(db_session)
    result = import_oruk(runner, FAIL)
    assert result.exit_code == 1
    assert 'service_full.json: id "ac148810-d857-441c-9679-408f346de14b": field "email": \'email-example_com\' ' \
           "is not a valid email" in result.output
    assert "service_full.json: id \"ac148810-d857-441c-9679-408f346de14b\": field \"url\": 'example/counselling' " \
           "is not a valid uri" in result.output
    assert 'service_list.json: item 1 of contents (id "ac148810-d857-441c-9679-408f346de14b"): field "name": ' \
           "is missing" in result.output
    assert 'api_details.json: top level: field "profile": is missing' in result.output
    assert 'taxonomy_term.json: id "3f7b145d-84af-42d7-8fae-eaca714b02b2": field "term_uri"' in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert dump(db_session) == before


def test_one_bad_document_refuses_the_whole_feed(runner, db_session, tmp_path):
    good = service_full()
    bad = copy.deepcopy(good)
    bad.update(id="0b3a9f2e-5d1c-4e8b-9a7f-2c6d4e8f0a1b", email="nobody")
    write(tmp_path, good, "service_full.json")
    write(tmp_path, bad, "another_service.json")
    before = dump(db_session)
    result = import_oruk(runner, tmp_path)
    assert result.exit_code == 1
    assert "another_service.json: id \"0b3a9f2e-5d1c-4e8b-9a7f-2c6d4e8f0a1b\": field \"email\": 'nobody' is not a " \
           "valid email" in result.output
    assert dump(db_session) == before


def test_what_the_directory_itself_requires_is_checked_naming_the_service_and_field(runner, db_session, tmp_path):
    service = service_full()
    service["description"] = "Too short."
    service["minimum_age"], service["maximum_age"] = 30, 5
    before = dump(db_session)
    result = import_oruk(runner, write(tmp_path, service))
    assert result.exit_code == 1
    assert f'service "Community Counselling" ({COUNSELLING}): field "description": \'Too short.\' is too short' \
        in result.output
    assert dump(db_session) == before


def test_a_single_file_takes_its_organisation_from_the_service(runner, db_session, tmp_path):
    result = import_oruk(runner, DEFAULT / "service_full.json")
    assert result.exit_code == 0, result.output
    assert db_session.get(Organisation, stable_id("organisation", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")).name \
        == "Example Organization Inc."
    assert imported(db_session)["name"] == "Community Counselling"


def test_a_service_without_an_organisation_is_refused(runner, db_session, tmp_path):
    service = service_full()
    del service["organization"]
    result = import_oruk(runner, write(tmp_path, service))
    assert result.exit_code == 1
    assert 'field "organization_id" is missing' in result.output


def test_taxonomy_terms_map_by_id_code_or_name_and_the_rest_is_reported(runner, db_session, tmp_path):
    def term(taxonomy, code):
        return db_session.exec(select(TaxonomyTerm).join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
                               .where(Taxonomy.slug == taxonomy, TaxonomyTerm.code == code)).one()

    therapy, gp = term("service-categories", "speech-and-language-therapy"), term("referrer-roles", "gp")
    autism = term("conditions", "autism")
    service = service_full()
    attributes = [
        {"id": "5d0e6f8a-1b2c-4d3e-8f4a-5b6c7d8e9f01", "taxonomy_term": {  # by id
            "id": str(therapy.id), "name": "Anything", "description": "x"}},
        {"id": "5d0e6f8a-1b2c-4d3e-8f4a-5b6c7d8e9f02", "taxonomy_term": {  # by code, not this directory's id
            "id": "6e1f7a9b-2c3d-4e5f-9a0b-6c7d8e9f0a12", "code": "ASD", "name": "Autism", "description": "x"}},
        {"id": "5d0e6f8a-1b2c-4d3e-8f4a-5b6c7d8e9f03", "taxonomy_term": {  # by name, whatever the case
            "id": "6e1f7a9b-2c3d-4e5f-9a0b-6c7d8e9f0a13", "name": gp.name.upper(), "description": "x"}},
        {"id": "5d0e6f8a-1b2c-4d3e-8f4a-5b6c7d8e9f04", "taxonomy_term": {
            "id": "6e1f7a9b-2c3d-4e5f-9a0b-6c7d8e9f0a14", "name": "Basket weaving", "description": "x"}},
        {"id": "5d0e6f8a-1b2c-4d3e-8f4a-5b6c7d8e9f05", "taxonomy_term_id": str(autism.id)},
    ]
    service["attributes"] = attributes
    service["service_areas"] = [{"id": "7f2a8b0c-3d4e-4f6a-8b1c-7d8e9f0a1b21", "name": "tamworth"},
                                {"id": "7f2a8b0c-3d4e-4f6a-8b1c-7d8e9f0a1b22", "name": "Cannock Chase"}]
    result = import_oruk(runner, write(tmp_path, service))
    assert result.exit_code == 0, result.output
    entry = imported(db_session)
    assert (entry["categories"], entry["needs"], entry["referrers"]) == \
        (["speech-and-language-therapy"], ["ASD"], ["gp"])
    assert entry["areas"] == ["cannock-chase", "tamworth"]
    assert "taxonomy term 'Basket weaving' matches no category, need or referrer" in result.output
    assert "is a conditions term: services do not link to it" in result.output
    assert "listed in every district" not in result.output


def test_withdraw_missing_makes_services_not_in_the_feed_inactive(runner, db_session):
    active = db_session.exec(select(func.count()).select_from(Service).where(Service.status == "active")).one()
    result = import_oruk(runner, DEFAULT / "service_full.json")
    assert result.exit_code == 0 and "Made inactive" not in result.output
    revisions = count(db_session, ListingRevision)
    result = import_oruk(runner, DEFAULT / "service_full.json", "--withdraw-missing")
    assert result.exit_code == 0, result.output
    assert f"Made inactive ({active})" in result.output
    statuses = dict(db_session.exec(select(Service.slug, Service.status)).all())
    assert statuses[EARLY_HELP] == "inactive" and imported(db_session)["status"] == "active"
    assert sum(status == "active" for status in statuses.values()) == 1
    assert count(db_session, ListingRevision) == revisions + active  # through the writer: a revision each


def test_a_leads_pending_change_request_is_left_waiting_and_reported(runner, db_session, tmp_path):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    early_help = db_session.exec(select(Service).where(Service.slug == EARLY_HELP)).one()
    request = change_requests.request_change(
        db_session, lead.id, {"service_lead"}, early_help.id, "about",
        {"description": "The lead's own description of the service, long enough to be a real one."})
    entry = writer.service_entry(db_session, early_help.id)
    feed = {"id": str(early_help.id), "name": entry["name"], "status": "active", "organization_id":
            str(stable_id("organisation", entry["organisation"])),
            "description": "The feed's description of the service, which is long enough to be a real one.",
            "url": entry.get("url", "https://example.org")}
    result = import_oruk(runner, write(tmp_path, feed))
    assert result.exit_code == 0, result.output
    assert f'"{entry["name"]}": a change to "About the service" (description); description changed since the ' \
           "lead asked, so approving it will be refused" in result.output
    db_session.expire_all()
    waiting = db_session.get(ChangeRequest, request.id)
    assert waiting.status == "pending" and waiting.changes == request.changes
    after = writer.service_entry(db_session, early_help.id)
    assert after["description"].startswith("The feed's description")
    # What ORUK cannot carry stays as the database had it.
    for key in ("summary", "how_to_refer", "referral_method", "categories", "needs", "referrers", "areas",
                "min_age", "max_age", "slug", "eligibility", "assured_date"):
        assert after.get(key) == entry.get(key), key


@pytest.mark.parametrize("make, message", [
    (lambda folder: folder / "missing.json", "missing.json: no such file or folder"),
    (lambda folder: folder, "broken.json: line 1, column 2: not valid JSON"),
    (lambda folder: write(folder, {"hello": "world"}, "odd.json"), "odd.json: not an Open Referral UK 3.0 document"),
    (lambda folder: folder, "the folder has no .json files"),
    (lambda folder: "ftp://example.org/feed.json", "only http and https addresses and file paths can be read"),
])
def test_a_bad_file_or_address_is_a_clear_message_and_changes_nothing(runner, db_session, tmp_path, make, message):
    # A folder of its own: the app's index folder (with its search state, JSON) is in tmp_path too.
    folder = tmp_path / "feed"
    folder.mkdir()
    if message.startswith("broken"):
        (folder / "broken.json").write_text("{")
    before = dump(db_session)
    result = import_oruk(runner, make(folder))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert dump(db_session) == before


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.server.asked.append(self.path)
        if self.server.busy:  # a rate limit: come back in no time
            self.server.busy -= 1
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        body = self.server.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body if body is not None else {"message": "Not found"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    """A running ORUK API on this machine: real HTTP, pages and services as the test sets them."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    server.routes, server.asked, server.busy = {}, [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_port}/api"
    yield server
    server.shutdown()
    server.server_close()


def page(number: int, total: int, contents: list) -> dict:
    return {"total_items": total, "total_pages": total, "page_number": number, "size": len(contents),
            "first_page": number == 1, "last_page": number == total, "empty": not contents, "contents": contents}


def test_a_running_api_is_read_page_by_page(runner, db_session, api):
    first = service_full()
    second = copy.deepcopy(first)
    second.update(id="0b3a9f2e-5d1c-4e8b-9a7f-2c6d4e8f0a1b", name="Second Counselling")
    one_to_one = {key: value for key, value in first.items() if not isinstance(value, list)}
    api.routes.update({
        "/api/services?page=1": page(1, 2, [one_to_one]),  # not fully nested: asked for by id
        f"/api/services/{COUNSELLING}": first,
        "/api/services?page=2": page(2, 2, [second]),  # fully nested: used as it is
    })
    result = import_oruk(runner, api.base)
    assert result.exit_code == 0, result.output
    assert api.asked == ["/api/services?page=1", f"/api/services/{COUNSELLING}", "/api/services?page=2"]
    assert "created 2 service" in result.output
    assert imported(db_session)["contacts"] == [{"name": "Ann Persona", "title": "Reception Manager"}]
    assert imported(db_session, second["id"])["name"] == "Second Counselling"


def test_an_api_that_fails_is_a_clear_message(runner, db_session, api):
    api.routes["/api/services?page=1"] = page(1, 1, [{"id": COUNSELLING, "name": "x", "status": "active"}])
    before = dump(db_session)
    result = import_oruk(runner, api.base + "/services")
    assert result.exit_code == 1
    assert f"{api.base}/services/{COUNSELLING}: the server answered 404 Not Found" in result.output
    assert dump(db_session) == before


def test_a_dry_run_reports_and_writes_nothing(runner, db_session):
    before = dump(db_session)
    result = import_oruk(runner, DEFAULT, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "created 1 service" in result.output and "Dry run: nothing was written." in result.output
    assert dump(db_session) == before


def test_withdrawing_everything_for_an_empty_feed_is_refused(runner, db_session, tmp_path):
    before = dump(db_session)
    result = import_oruk(runner, write(tmp_path, page(1, 1, []), "service_list.json"), "--withdraw-missing")
    assert result.exit_code == 1
    assert "The feed lists no services: with --withdraw-missing every service would be withdrawn" in result.output
    assert dump(db_session) == before


def test_values_longer_than_the_directory_keeps_are_refused_on_every_database(runner, db_session, tmp_path):
    service = service_full()
    service["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "ABC 1234 5678"
    service["contacts"][0]["title"] = "T" * 201
    result = import_oruk(runner, write(tmp_path, service))
    assert result.exit_code == 1
    assert 'location "3a19ff88-4620-4d17-9830-ac1d859eb5d5": field "address.postal_code": is longer than 10 ' \
           "characters" in result.output
    assert f'service "Community Counselling" ({COUNSELLING}): field "contacts[1].title": is longer than 200 ' \
           "characters" in result.output
    assert imported(db_session) is None


def test_services_nested_where_the_schema_does_not_look_are_checked_too(runner, db_session, tmp_path):
    organisation = json.loads((DEFAULT / "organization.json").read_text())
    del organisation["services"][0]["name"]
    result = import_oruk(runner, write(tmp_path, organisation, "organization.json"))
    assert result.exit_code == 1
    assert 'organization.json (service 1 of the organisation): id "ac148810-d857-441c-9679-408f346de14b": ' \
           'field "name": is missing' in result.output


def test_not_a_number_is_not_json(runner, db_session, tmp_path):
    (tmp_path / "service_full.json").write_text('{"id": "x", "minimum_age": NaN}')
    result = import_oruk(runner, tmp_path / "service_full.json")
    assert result.exit_code == 1
    assert "service_full.json: not valid JSON: NaN is not a number JSON knows" in result.output


def test_an_api_asking_to_wait_is_waited_for(runner, db_session, api):
    api.routes["/api/services?page=1"] = page(1, 1, [service_full()])
    api.busy = 2
    result = import_oruk(runner, api.base)
    assert result.exit_code == 0, result.output
    assert api.asked == ["/api/services?page=1"] * 3
    assert imported(db_session)["name"] == "Community Counselling"


def test_a_file_address_is_a_path(runner, db_session):
    result = import_oruk(runner, (DEFAULT / "service_full.json").as_uri())
    assert result.exit_code == 0, result.output
    assert imported(db_session)["name"] == "Community Counselling"
