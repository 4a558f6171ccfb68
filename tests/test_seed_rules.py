"""The seed's rules reproduce the documented criteria (shared/domain/FACTS.md)."""

from directory.routing import route_record

BASE = {"as_of": "2026-11-22", "child": {"date_of_birth": "2016-03-01", "district": "stafford", "needs": ["PD"],
                                          "diagnoses": [], "suspected": [], "ehcp": "none", "looked_after": False,
                                          "in_education": True, "school_year": 5}, "referrer": {"role": "senco"}}


def outcome(session, service_name_part, **child):
    record = {**BASE, "child": {**BASE["child"], **child}}
    _facts, results = route_record(session, record)
    [result] = [r for r in results if service_name_part in r.name]
    return result


def test_nhs_ot_is_not_for_autism_alone_without_a_physical_difficulty(db_session):
    assert outcome(db_session, "occupational therapy – West", needs=["ASD"], diagnoses=["autism"]).outcome == (
        "not_eligible")
    assert outcome(db_session, "occupational therapy – West", needs=["ASD", "PD"],
                   diagnoses=["autism"]).outcome == "eligible"


def test_emotional_wellbeing_service_is_not_for_stoke_on_trent_residents(db_session):
    needs = {"needs": ["SEMH"]}
    in_stafford = outcome(db_session, "Emotional Health and Wellbeing", **needs)
    in_stoke = outcome(db_session, "Emotional Health and Wellbeing", district="stoke-on-trent", **needs)
    assert in_stafford.outcome == "eligible"
    assert in_stoke.outcome == "not_eligible"
    assert in_stoke.reasons
    # Its Stoke-on-Trent equivalent is suggested instead.
    assert any(s.relation == "cross_border_equivalent" and s.outcome == "eligible" for s in in_stoke.suggestions)


def test_emotional_wellbeing_service_to_25_only_with_an_ehc_plan_or_in_care(db_session):
    adult = {"date_of_birth": "2005-01-01", "needs": ["SEMH"], "in_education": True}
    assert outcome(db_session, "Emotional Health and Wellbeing", **adult).outcome == "not_eligible"
    assert outcome(db_session, "Emotional Health and Wellbeing", ehcp="in_place", **adult).outcome == "eligible"


def test_aiming_high_is_for_ages_0_to_18_living_in_staffordshire(db_session):
    name = "Aiming High – short breaks and activities"
    assert outcome(db_session, name).outcome == "eligible"
    assert outcome(db_session, name, date_of_birth="2007-01-01").outcome == "not_eligible"
    stoke = outcome(db_session, name, district="stoke-on-trent")
    assert stoke.outcome == "not_eligible"
    assert any(s.relation == "cross_border_equivalent" for s in stoke.suggestions)
    assert outcome(db_session, name, needs=[]).outcome == "not_eligible"


def test_autism_assessment_needs_a_suspicion_not_a_diagnosis(db_session):
    name = "Autism Service – South Staffordshire"
    assert outcome(db_session, name, suspected=["autism"]).outcome == "eligible"
    assert outcome(db_session, name, suspected=["autism"], diagnoses=["autism"]).outcome == "not_eligible"


def test_unknown_when_the_record_lacks_what_a_rule_asks(db_session):
    record = {"as_of": "2026-11-22", "child": {"date_of_birth": "2016-03-01", "district": "stafford"}}
    _facts, results = route_record(db_session, record)
    ot = next(r for r in results if "occupational therapy – West" in r.name)
    assert ot.outcome == "unknown" and "needs" in ot.missing
