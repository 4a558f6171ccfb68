"""The rule language's evaluation: every operator, every field, and the three-valued truth tables."""

import pytest

from directory.rules import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Labels, evaluate, needs_diagnosis
from directory.rules.fields import FIELDS

T, F, U = True, False, None
# Tests that are true, false and unknown against FACTS (the `looked_after` field is not given).
FACTS = {"age": 9, "district": "tamworth", "needs": frozenset({"SLCN"}), "in_education": True}
TRUE = {"field": "age", "op": "eq", "value": 9}
FALSE = {"field": "age", "op": "eq", "value": 10}
UNKNOWN_TEST = {"field": "looked_after", "op": "is_true"}
NODE = {T: TRUE, F: FALSE, U: UNKNOWN_TEST}
OUTCOME = {T: ELIGIBLE, F: NOT_ELIGIBLE, U: UNKNOWN}


def value(rule, facts=FACTS):
    return {ELIGIBLE: T, NOT_ELIGIBLE: F, UNKNOWN: U}[evaluate(rule, facts).outcome]


@pytest.mark.parametrize(("op", "rule_value", "actual", "expected"), [
    ("eq", 9, 9, T), ("eq", 9, 8, F),
    ("ne", 9, 8, T), ("ne", 9, 9, F),
    ("in", [8, 9], 9, T), ("in", [8, 9], 7, F),
    ("not_in", [8, 9], 7, T), ("not_in", [8, 9], 9, F),
    ("gte", 9, 9, T), ("gte", 9, 8, F),
    ("lte", 9, 9, T), ("lte", 9, 10, F),
    ("between", [5, 9], 5, T), ("between", [5, 9], 9, T), ("between", [5, 9], 10, F), ("between", [5, 9], 4, F),
])
def test_scalar_operators(op, rule_value, actual, expected):
    assert value({"field": "age", "op": op, "value": rule_value}, {"age": actual}) is expected


@pytest.mark.parametrize(("op", "rule_value", "actual", "expected"), [
    ("has_any", ["ASD", "SLCN"], {"SLCN"}, T), ("has_any", ["ASD"], {"SLCN"}, F), ("has_any", ["ASD"], set(), F),
    ("has_all", ["ASD", "SLCN"], {"ASD", "SLCN", "PD"}, T), ("has_all", ["ASD", "SLCN"], {"ASD"}, F),
    ("has_none", ["ASD"], {"SLCN"}, T), ("has_none", ["ASD"], {"ASD"}, F), ("has_none", ["ASD"], set(), T),
])
def test_set_operators(op, rule_value, actual, expected):
    assert value({"field": "needs", "op": op, "value": rule_value}, {"needs": frozenset(actual)}) is expected


@pytest.mark.parametrize(("op", "actual", "expected"), [
    ("is_true", True, T), ("is_true", False, F), ("is_false", False, T), ("is_false", True, F),
])
def test_boolean_operators(op, actual, expected):
    assert value({"field": "looked_after", "op": op}, {"looked_after": actual}) is expected


SAMPLE = {"int": (7, {"op": "eq", "value": 7}), "text": ("x", {"op": "eq", "value": "x"}),
          "set": (frozenset({"x"}), {"op": "has_any", "value": ["x"]}), "bool": (True, {"op": "is_true"})}


@pytest.mark.parametrize("field_name", sorted(FIELDS))
def test_every_field_is_read_and_unknown_when_absent(field_name):
    actual, test = SAMPLE[FIELDS[field_name]]
    rule = {"field": field_name, **test}
    assert value(rule, {field_name: actual}) is T
    assert value(rule, {}) is U
    assert value(rule, {field_name: None}) is U
    assert evaluate(rule, {}).missing == [field_name]


def test_an_empty_list_is_known_and_empty():
    rule = {"field": "diagnoses", "op": "has_any", "value": ["autism"]}
    assert value(rule, {"diagnoses": frozenset()}) is F
    assert value({"not": rule}, {"diagnoses": frozenset()}) is T


@pytest.mark.parametrize("a", [T, F, U])
@pytest.mark.parametrize("b", [T, F, U])
def test_all_and_any_truth_tables(a, b):
    both = {"all": [NODE[a], NODE[b]]}
    either = {"any": [NODE[a], NODE[b]]}
    expected_all = F if F in (a, b) else (U if U in (a, b) else T)
    expected_any = T if T in (a, b) else (U if U in (a, b) else F)
    assert value(both) is expected_all
    assert value(either) is expected_any


@pytest.mark.parametrize(("inner", "expected"), [(T, F), (F, T), (U, U)])
def test_not_swaps_true_and_false_and_keeps_unknown(inner, expected):
    assert value({"not": NODE[inner]}) is expected
    assert value({"not": {"not": NODE[inner]}}) is inner


def test_not_of_a_group_follows_de_morgan():
    assert value({"not": {"all": [TRUE, FALSE]}}) is T
    assert value({"not": {"any": [FALSE, UNKNOWN_TEST]}}) is U
    assert value({"not": {"any": [TRUE, UNKNOWN_TEST]}}) is F


def test_false_outcome_lists_each_failing_test_reason():
    rule = {"all": [
        {"field": "age", "op": "between", "value": [5, 18]},
        {"field": "district", "op": "in", "value": ["stafford", "lichfield"]},
        {"field": "needs", "op": "has_any", "value": ["PD"],
         "message": "Only for children with a physical difficulty."},
        {"field": "in_education", "op": "is_true"},
    ]}
    labels = Labels({"district": {"stafford": "Stafford", "lichfield": "Lichfield", "tamworth": "Tamworth"}})
    outcome = evaluate(rule, {**FACTS, "age": 19}, labels)
    assert outcome.outcome == NOT_ELIGIBLE
    assert outcome.reasons == [
        "Only for ages 5 to 18; your child is 19",
        "Only for children who live in Stafford or Lichfield; you live in Tamworth",
        "Only for children with a physical difficulty.",
    ]
    assert outcome.missing == []


def test_unknown_outcome_names_missing_fields_only():
    rule = {"all": [TRUE, UNKNOWN_TEST, {"field": "ehcp", "op": "eq", "value": "in_place"}]}
    outcome = evaluate(rule, FACTS)
    assert outcome.outcome == UNKNOWN
    assert outcome.missing == ["looked_after", "ehcp"]
    assert outcome.reasons == []


def test_a_false_part_decides_even_when_others_are_unknown():
    outcome = evaluate({"all": [FALSE, UNKNOWN_TEST]}, FACTS)
    assert outcome.outcome == NOT_ELIGIBLE and outcome.missing == []


def test_negated_test_explains_itself_in_the_negative():
    rule = {"not": {"field": "diagnoses", "op": "has_any", "value": ["adhd"]}}
    outcome = evaluate(rule, {"diagnoses": frozenset({"adhd"})}, Labels({"diagnoses": {"adhd": "ADHD"}}))
    assert outcome.reasons == ["Not for children who have a diagnosis of ADHD"]


def test_any_that_fails_gives_every_reason():
    rule = {"any": [{"field": "age", "op": "lte", "value": 18}, {"field": "ehcp", "op": "eq", "value": "in_place"}]}
    outcome = evaluate(rule, {"age": 20, "ehcp": "none"})
    assert outcome.outcome == NOT_ELIGIBLE and len(outcome.reasons) == 2


def test_a_rule_ruled_out_by_its_first_test_still_gives_every_reason():
    # The age range alone decides the outcome; the reasons, worked out when read, still name every part that fails.
    rule = {"all": [
        {"field": "age", "op": "between", "value": [5, 18]},
        {"any": [{"field": "ehcp", "op": "eq", "value": "in_place"}, {"field": "looked_after", "op": "is_true"}]},
        {"field": "school_year", "op": "gte", "value": 3},
    ]}
    facts = {"age": 19, "ehcp": "none", "looked_after": False}
    reasons = [
        "Only for ages 5 to 18; your child is 19",
        "Only for children who have an education, health and care (EHC) plan",
        "Only for children who are looked after by the council (in care)",
    ]
    assert evaluate(rule, facts).reasons == reasons
    assert evaluate(rule, {**facts, "school_year": 1}).reasons == [
        *reasons, "Only for children who are in year 3 or above at school; your child is in year 1"]


def test_a_rule_changed_after_it_was_compiled_does_not_change_another_compiled_from_the_same_text():
    # Compiled rules are kept by their text; what is kept is a copy.
    rule = {"all": [{"field": "age", "op": "eq", "value": 3}]}
    evaluate(rule, {"age": 5})
    rule["all"][0]["value"] = 4
    assert evaluate({"all": [{"field": "age", "op": "eq", "value": 3}]}, {"age": 5}).reasons == [
        "Only for children who are aged 3 years; your child is 5"]


@pytest.mark.parametrize("rule, expected", [
    ({"field": "diagnoses", "op": "has_any", "value": ["hearing-loss"]}, True),
    ({"all": [{"field": "diagnoses", "op": "has_any", "value": ["autism"]},
              {"field": "age", "op": "lte", "value": 25}]}, True),
    # Also open to children whose need is only suspected, or decided by something else: no diagnosis needed.
    ({"any": [{"field": "suspected", "op": "has_any", "value": ["autism"]},
              {"field": "diagnoses", "op": "has_any", "value": ["autism"]}]}, False),
    ({"field": "needs", "op": "has_any", "value": ["PD"]}, False),
    ({"not": {"field": "diagnoses", "op": "has_any", "value": ["autism"]}}, False),
    (None, False),
])
def test_a_rule_needs_a_diagnosis_only_when_no_child_without_one_can_meet_it(rule, expected):
    assert needs_diagnosis(rule) is expected
