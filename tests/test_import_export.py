"""The public import and export: all or nothing, idempotent by id, and a round trip that changes nothing."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import delete, select

from directory.models import Organisation, Service, ServiceRelation, stable_id
from directory.seed import SeedError, apply_services, load_services_file
from directory.seed.export import export_services
from directory.seed.known import known_from_database
from tests.helpers.databases import SEED_PATH, dump
from tests.rules.test_properties import rules

SEED_SERVICES = json.loads((SEED_PATH / "services.json").read_text())


def write(tmp_path, document, name="services.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def empty_directory(session):
    """Remove every organisation, location and service (places and taxonomies stay)."""
    from directory.models import (
        Accessibility,
        Address,
        Contact,
        CostOption,
        Language,
        Location,
        Phone,
        ServiceArea,
        ServiceAtLocation,
        ServiceAttribute,
    )
    for model in (ServiceRelation, ServiceAttribute, ServiceArea, ServiceAtLocation, Phone, Contact, CostOption,
                  Language, Service, Organisation, Accessibility, Address, Location):
        session.exec(delete(model))
    session.flush()


def import_document(session, tmp_path, document):
    apply_services(session, load_services_file(write(tmp_path, document), known_from_database(session)))


def test_import_is_idempotent_by_id(runner, db_session, tmp_path):
    path = write(tmp_path, SEED_SERVICES)
    before = dump(db_session)
    result = runner.invoke(args=["import-services", str(path)])
    assert result.exit_code == 0, result.output
    assert "No changes" in result.output
    assert dump(db_session) == before


def test_import_adds_and_updates(runner, db_session, tmp_path):
    document = copy.deepcopy(SEED_SERVICES)
    new = copy.deepcopy(document["services"][0])
    new.update(id="a-new-service", name="A new service", summary="Something new for families in the county.")
    new.pop("slug", None)
    new["relations"] = [{"type": "while_you_wait", "service": document["services"][1]["id"], "note": "Meanwhile."}]
    document["services"].append(new)
    document["services"][1]["max_age"] = 24
    result = runner.invoke(args=["import-services", str(write(tmp_path, document))])
    assert result.exit_code == 0, result.output
    assert "created 1 service" in result.output and "updated 1 service" in result.output
    assert db_session.exec(select(Service).where(Service.slug == "a-new-service")).one().name == "A new service"


def test_import_refers_to_organisations_already_in_the_database(runner, db_session, tmp_path):
    service = copy.deepcopy(SEED_SERVICES["services"][0])
    service.update(id="only-the-service", name="Only the service")
    service.pop("slug", None)
    service["relations"] = [{"type": "alternative_to", "service": SEED_SERVICES["services"][3]["id"]}]
    document = {"format": "send-directory-services/1", "organisations": [], "services": [service]}
    result = runner.invoke(args=["import-services", str(write(tmp_path, document))])
    assert result.exit_code == 0, result.output


def test_import_is_all_or_nothing_and_lists_every_error(runner, db_session, tmp_path):
    document = copy.deepcopy(SEED_SERVICES)
    document["services"][0]["name"] = "Changed but must not be saved"
    document["services"][2]["areas"] = ["atlantis"]
    document["services"][3]["eligibility"] = {"all": [{"field": "shoe_size", "op": "eq", "value": 3}]}
    document["services"][4]["relations"] = [{"type": "step_up_to", "service": "nowhere"}]
    document["services"][5]["eligibility"] = {"any": []}
    before = dump(db_session)
    result = runner.invoke(args=["import-services", str(write(tmp_path, document))])
    assert result.exit_code == 1
    ids = [s["id"] for s in document["services"]]
    assert "has 4 problem(s); nothing was imported" in result.output
    assert f'service "{ids[2]}" (record 3): field "areas": "atlantis" is not known' in result.output
    assert f'service "{ids[3]}" (record 4): field "eligibility.all[0].field": unknown field' in result.output
    assert f'service "{ids[4]}" (record 5): field "relations[1].service": "nowhere" is not a service' in result.output
    assert f'service "{ids[5]}" (record 6): field "eligibility.any"' in result.output
    assert dump(db_session) == before


def test_export_then_import_into_an_empty_directory_gives_the_same_directory(runner, db_session, tmp_path):
    exported = tmp_path / "export.json"
    assert runner.invoke(args=["export-services", str(exported)]).exit_code == 0
    before = dump(db_session)
    empty_directory(db_session)
    result = runner.invoke(args=["import-services", str(exported)])
    assert result.exit_code == 0, result.output
    after = dump(db_session)
    # The directory is the same; its history has grown by the import (directory.listings keeps each revision).
    history = {"service", "listing_revision", "directory_revision", "search_change"}
    assert {t: rows for t, rows in after.items() if t not in history} == {
        t: rows for t, rows in before.items() if t not in history}
    assert len(after["listing_revision"]) == len(before["listing_revision"]) + len(before["service"])
    # Service rows match but for last_modified, which records the import itself.
    assert len(after["service"]) == len(before["service"])
    again = tmp_path / "again.json"
    runner.invoke(args=["export-services", str(again)])
    assert json.loads(again.read_text()) == json.loads(exported.read_text())


def test_referral_method_and_address_go_through_export_and_import(runner, db_session, tmp_path):
    document = copy.deepcopy(SEED_SERVICES)
    service = next(s for s in document["services"] if s["id"] == "family-hub-tamworth")
    service["referral_email"] = "hub.referrals@example.org"
    service["referral_method"] = "phone"
    del next(s for s in document["services"] if s["id"] == "autism-family-support")["referral_method"]
    import_document(db_session, tmp_path, document)
    exported = tmp_path / "export.json"
    assert runner.invoke(args=["export-services", str(exported)]).exit_code == 0
    by_name = {s["name"]: s for s in json.loads(exported.read_text())["services"]}
    assert by_name[service["name"]]["referral_email"] == "hub.referrals@example.org"
    assert by_name[service["name"]]["referral_method"] == "phone"
    assert by_name["Autism family support (before and after diagnosis)"]["referral_method"] == "site"  # the default
    assert by_name["ChatHealth – text a school nurse"]["referral_method"] == "none"
    empty_directory(db_session)
    assert runner.invoke(args=["import-services", str(exported)]).exit_code == 0
    hub = db_session.get(Service, stable_id("service", "family-hub-tamworth"))
    assert (hub.referral_method, hub.referral_email) == ("phone", "hub.referrals@example.org")


def _variation(draw_ages, draw_rule, keep):
    document = copy.deepcopy(SEED_SERVICES)
    kept_ids = {s["id"] for i, s in enumerate(document["services"]) if keep[i % len(keep)]}
    document["services"] = [s for s in document["services"] if s["id"] in kept_ids]
    for service in document["services"]:
        service["relations"] = [r for r in service.get("relations", []) if r["service"] in kept_ids]
    if document["services"]:
        low, span = draw_ages
        document["services"][0]["min_age"], document["services"][0]["max_age"] = low, low + span
        document["services"][0]["eligibility"] = draw_rule
    return document


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ages=st.tuples(st.integers(0, 20), st.integers(0, 5)), rule=rules,
       keep=st.lists(st.booleans(), min_size=1, max_size=6))
def test_import_export_import_is_stable(db_session, tmp_path, ages, rule, keep):
    rule = json.loads(json.dumps(rule).replace('"a"', '"tamworth"').replace('"b"', '"stafford"')
                      .replace('"c"', '"lichfield"'))
    for test in _tests(rule):
        if test["field"] in ("needs", "diagnoses"):
            test["value"] = ["ASD"] if test["field"] == "needs" else ["autism"]
    savepoint = db_session.begin_nested()
    try:
        empty_directory(db_session)
        import_document(db_session, tmp_path, _variation(ages, rule, keep))
        first = export_services(db_session)
        empty_directory(db_session)
        import_document(db_session, tmp_path, first)
        assert export_services(db_session) == first
    finally:
        savepoint.rollback()


def _tests(rule):
    if "field" in rule:
        yield rule
    for key in ("all", "any"):
        for part in rule.get(key, []):
            yield from _tests(part)
    if "not" in rule:
        yield from _tests(rule["not"])


def test_load_services_file_reports_json_errors(db_session, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "send-directory-services/1",\n "services": [}')
    try:
        load_services_file(path, known_from_database(db_session))
    except SeedError as error:
        assert error.problems[0].startswith("broken.json: line 2, column ")
    else:
        raise AssertionError("expected a SeedError")
