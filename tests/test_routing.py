"""Routing a family record: derived facts, outcomes, reasons, who can refer, suggestions, and the CLI."""

import json
from datetime import date

import pytest
from sqlmodel import select

from directory import routing
from directory.models import Service
from directory.routing import RecordError, age_on, as_json, months_on, read_record, route_record
from directory.rules import OneOf, compile_rule

RECORD = {
    "as_of": "2026-11-22",
    "child": {"date_of_birth": "2017-05-14", "postcode": "DE14 1AA", "district": "east-staffordshire",
              "needs": ["SLCN"], "diagnoses": [], "suspected": ["autism"], "ehcp": "none",
              "school_year": 4, "looked_after": False, "in_education": True},
    "referrer": {"role": "senco"},
}


@pytest.mark.parametrize(("born", "on", "age"), [
    ("2017-05-14", "2026-05-13", 8), ("2017-05-14", "2026-05-14", 9), ("2017-05-14", "2026-05-15", 9),
    ("2016-02-29", "2025-02-28", 8), ("2016-02-29", "2025-03-01", 9), ("2016-02-29", "2024-02-29", 8),
    ("2016-02-29", "2024-02-28", 7), ("2016-02-29", "2016-02-29", 0), ("2025-12-31", "2026-12-30", 0),
])
def test_age_is_whole_years_completed_including_leap_day_birthdays(born, on, age):
    assert age_on(date.fromisoformat(born), date.fromisoformat(on)) == age


def test_age_in_months():
    assert months_on(date(2024, 5, 14), date(2026, 5, 13)) == 23
    assert months_on(date(2024, 5, 14), date(2026, 5, 14)) == 24


def test_derived_facts(db_session):
    facts = read_record(db_session, RECORD)
    assert facts.derived == {"age": 9, "district": "east-staffordshire", "local_authority": "staffordshire",
                             "need_areas": ["communication-and-interaction"]}
    assert facts.values["age_months"] == 114
    assert facts.values["suspected"] == frozenset({"autism"})
    assert facts.values["diagnoses"] == frozenset()


def test_district_is_derived_from_the_postcode_or_is_one_of_several_when_it_straddles(db_session):
    one = read_record(db_session, {"child": {"postcode": "b797bz"}})
    assert one.derived["district"] == "tamworth" and one.derived["local_authority"] == "staffordshire"
    straddling = read_record(db_session, {"child": {"postcode": "ST3 4AA"}})
    assert straddling.derived["district"] is None and straddling.derived["local_authority"] is None
    assert straddling.values["district"] == OneOf({"stafford", "staffordshire-moorlands", "stoke-on-trent"})
    assert straddling.values["local_authority"] == OneOf({"staffordshire", "stoke-on-trent"})
    assert straddling.possible_districts == ["stafford", "staffordshire-moorlands", "stoke-on-trent"]
    # B78 straddles two districts of one council: the council is known.
    b78 = read_record(db_session, {"child": {"postcode": "B78"}})
    assert b78.values["district"] == OneOf({"lichfield", "tamworth"})
    assert b78.values["local_authority"] == b78.derived["local_authority"] == "staffordshire"
    assert read_record(db_session, {"child": {"postcode": "SW1A 1AA"}}).values == {}
    chosen = read_record(db_session, {"child": {"postcode": "ST3 4AA", "district": "stoke-on-trent"}})
    assert chosen.derived["local_authority"] == "stoke-on-trent"


def test_as_of_defaults_to_today(db_session):
    assert read_record(db_session, {"child": {}}).as_of == date.today()


@pytest.mark.parametrize(("change", "field_name"), [
    ({"as_of": "22/11/2026"}, "as_of"),
    ({"child": {"date_of_birth": "2017-13-01"}}, "child.date_of_birth"),
    ({"child": {"date_of_birth": "2030-01-01"}}, "child.date_of_birth"),
    ({"child": {"needs": ["SLCN", "WIZARD"]}}, "child.needs"),
    ({"child": {"needs": "SLCN"}}, "child.needs"),
    ({"child": {"diagnoses": ["lycanthropy"]}}, "child.diagnoses"),
    ({"child": {"ehcp": "yes"}}, "child.ehcp"),
    ({"child": {"school_year": "four"}}, "child.school_year"),
    ({"child": {"looked_after": "no"}}, "child.looked_after"),
    ({"child": {"postcode": "not a postcode"}}, "child.postcode"),
    ({"child": {"district": "atlantis"}}, "child.district"),
    ({"child": {"postcode": "B79 7BZ", "district": "stafford"}}, "child.district"),
    ({"referrer": {"role": "wizard"}}, "referrer.role"),
])
def test_invalid_records_name_the_field(db_session, change, field_name):
    with pytest.raises(RecordError) as raised:
        read_record(db_session, {**RECORD, **change})
    assert raised.value.field == field_name


def by_name(results):
    return {r.name: r for r in results}


def test_every_active_service_has_one_result_sorted_by_outcome(db_session):
    _facts, results = route_record(db_session, RECORD)
    active = db_session.exec(select(Service).where(Service.status == "active")).all()
    assert len(results) == len(active)
    order = [routing.ORDER[r.outcome] for r in results]
    assert order == sorted(order)


def test_out_of_area_and_age_reasons_are_plain_english(db_session):
    record = {**RECORD, "child": {**RECORD["child"], "date_of_birth": "2005-01-01"}}
    _facts, results = route_record(db_session, record)
    portage = next(r for r in results if "Portage" in r.name)
    assert portage.outcome == "not_eligible"
    assert any(reason.startswith("Only for ages 0 to ") and reason.endswith("your child is 21")
               for reason in portage.reasons)


def test_unknown_lists_missing_fields(db_session):
    _facts, results = route_record(db_session, {"as_of": "2026-11-22", "child": {"postcode": "DE14 1AA"}})
    unknown = [r for r in results if r.outcome == "unknown"]
    assert unknown and all("age" in r.missing for r in unknown)


def test_can_refer_follows_the_referrer_role(db_session):
    _facts, as_senco = route_record(db_session, RECORD)
    _facts, as_parent = route_record(db_session, {**RECORD, "referrer": {"role": "self"}})
    sendiass_senco = next(r for r in as_senco if "SENDIASS" in r.name)
    sendiass_parent = next(r for r in as_parent if "SENDIASS" in r.name)
    assert sendiass_parent.can_refer is True
    assert "self" in sendiass_senco.referral_routes
    ot = next(r for r in as_parent if "occupational therapy – East" in r.name)
    assert ot.can_refer is False and "senco" in ot.referral_routes


def test_cli_prints_the_documented_shape(runner, tmp_path):
    path = tmp_path / "family.json"
    path.write_text(json.dumps(RECORD))
    result = runner.invoke(args=["route", str(path)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert set(output) == {"as_of", "derived", "results"}
    assert output["as_of"] == "2026-11-22"
    assert set(output["derived"]) == {"age", "district", "local_authority", "need_areas"}
    first = output["results"][0]
    assert set(first) == {"service_id", "name", "outcome", "reasons", "missing", "can_refer", "referral_routes",
                          "suggestions"}
    for suggestion in (s for r in output["results"] for s in r["suggestions"]):
        assert set(suggestion) == {"service_id", "relation", "outcome"}


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "line 1, column 2: not valid JSON"),
    (json.dumps({**RECORD, "as_of": "tomorrow"}), "as_of: 'tomorrow' is not a date"),
    (json.dumps({**RECORD, "child": {"needs": ["XYZ"]}}), "child.needs: 'XYZ' is not a known need code"),
])
def test_cli_rejects_bad_input_naming_the_field(runner, tmp_path, content, message):
    path = tmp_path / "family.json"
    path.write_text(content)
    result = runner.invoke(args=["route", str(path)])
    assert result.exit_code == 1
    assert message in result.output


def test_as_json_is_serialisable(db_session):
    facts, results = route_record(db_session, RECORD)
    json.dumps(as_json(facts, results))


def test_results_match_each_rule_evaluated_alone_in_name_order_within_each_outcome(db_session):
    # The directory's rules share one set of tests and results write their reasons when read: the same outcomes,
    # reasons and missing fields as each service's rule compiled and evaluated on its own.
    for record in (RECORD, {"as_of": "2026-11-22", "child": {"postcode": "ST3 4AA", "age": 4}},
                   {**RECORD, "child": {**RECORD["child"], "date_of_birth": "2005-01-01"}}):
        facts = read_record(db_session, record)
        directory = routing.load_directory(db_session)
        results = routing.route(directory, facts)
        by_id = {r.service_id: r for r in results}
        for service in directory.services:
            alone = compile_rule(service.rule.rule).evaluate(facts.values, directory.labels)
            result = by_id[service.id]
            assert (result.outcome, result.reasons, result.missing) == (alone.outcome, alone.reasons, alone.missing)
        keys = [(routing.ORDER[r.outcome], r.name.casefold()) for r in results]
        assert keys == sorted(keys)
        assert {r.outcome for r in results} >= {"not_eligible"}
