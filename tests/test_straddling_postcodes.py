"""A postcode (or outward code) that straddles districts: known when every district it may be in agrees."""

import pytest
from sqlmodel import select

from directory.models import District, Organisation, Service, ServiceArea
from directory.routing import route_record

COUNTY = ["cannock-chase", "east-staffordshire", "lichfield", "newcastle-under-lyme", "south-staffordshire",
          "stafford", "staffordshire-moorlands", "tamworth"]


def add_service(session, slug: str, districts: list[str], ages=(0, 25), eligibility=None) -> Service:
    """An active service with exactly these areas and ages (and no rule of its own unless given)."""
    organisation = session.exec(select(Organisation)).first()
    service = Service(organisation_id=organisation.id, slug=slug, name=f"Test {slug}", summary="A test service.",
                      description="A test service.", minimum_age=ages[0], maximum_age=ages[1],
                      how_to_refer="Ask.", eligibility=eligibility)
    session.add(service)
    session.flush()
    for district in session.exec(select(District).where(District.slug.in_(districts))):
        session.add(ServiceArea(service_id=service.id, district_id=district.id))
    session.flush()
    return service


def outcome(session, slug: str, **child) -> str:
    _facts, results = route_record(session, {"child": {"age": 9, **child}})
    return next(r for r in results if r.name == f"Test {slug}")


@pytest.mark.parametrize("where", [{"postcode": "B78 1AA"}, {"postcode": "b78"}])
def test_b78_is_decided_when_both_its_districts_agree(db_session, where):
    add_service(db_session, "county-wide", COUNTY)
    add_service(db_session, "tamworth-only", ["tamworth"])
    add_service(db_session, "stafford-only", ["stafford"])
    assert outcome(db_session, "county-wide", **where).outcome == "eligible"
    only_one = outcome(db_session, "tamworth-only", **where)
    assert only_one.outcome == "unknown" and only_one.missing == ["district"]
    neither = outcome(db_session, "stafford-only", **where)
    assert neither.outcome == "not_eligible"
    assert neither.reasons == ["Only for children who live in Stafford; you live in Lichfield or Tamworth"]


def test_a_rule_on_the_council_area_is_decided_for_b78(db_session):
    staffordshire = {"field": "local_authority", "op": "eq", "value": "staffordshire"}
    add_service(db_session, "county-council", COUNTY + ["stoke-on-trent"], eligibility=staffordshire)
    add_service(db_session, "not-county", COUNTY + ["stoke-on-trent"], eligibility={"not": staffordshire})
    assert outcome(db_session, "county-council", postcode="B78").outcome == "eligible"
    assert outcome(db_session, "not-county", postcode="B78").outcome == "not_eligible"
    # ST3 may be in Staffordshire or in Stoke-on-Trent: not known.
    assert outcome(db_session, "county-council", postcode="ST3").outcome == "unknown"


def test_a_rule_that_names_each_district_is_decided(db_session):
    either = {"any": [{"field": "district", "op": "eq", "value": "lichfield"},
                      {"field": "district", "op": "eq", "value": "tamworth"}]}
    add_service(db_session, "either", COUNTY, eligibility=either)
    assert outcome(db_session, "either", postcode="B78").outcome == "eligible"


def test_choosing_the_district_still_decides_the_rest(db_session):
    add_service(db_session, "tamworth-only", ["tamworth"])
    assert outcome(db_session, "tamworth-only", postcode="B78", district="tamworth").outcome == "eligible"
    assert outcome(db_session, "tamworth-only", postcode="B78", district="lichfield").outcome == "not_eligible"


def test_a_key_workers_record_routes_a_straddling_postcode_the_same_way(db_session):
    from directory.referrals.records import routing_input

    add_service(db_session, "county-wide", COUNTY)
    record = routing_input({"child": {"date_of_birth": "2017-05-14", "postcode": "B78 1AA"}}, "senco")
    _facts, results = route_record(db_session, record)
    assert next(r for r in results if r.name == "Test county-wide").outcome == "eligible"
