"""Rules are checked before they are saved: each problem names its path inside the rule."""

import pytest

from directory.rules import RuleError, validate_rule


def problems(rule, vocabulary=None) -> list[str]:
    with pytest.raises(RuleError) as raised:
        validate_rule(rule, vocabulary)
    return raised.value.problems


def test_a_good_rule_passes():
    validate_rule({"all": [
        {"field": "age", "op": "between", "value": [5, 18], "message": "Only for ages 5 to 18."},
        {"any": [{"field": "ehcp", "op": "in", "value": ["requested", "in_place"]}, {"field": "looked_after",
                                                                                    "op": "is_true"}]},
        {"not": {"field": "district", "op": "eq", "value": "stoke-on-trent"}},
        {"field": "needs", "op": "has_none", "value": ["SEMH"]},
    ]})


@pytest.mark.parametrize(("rule", "expected"), [
    ({"field": "shoe_size", "op": "eq", "value": 3}, "eligibility.field: unknown field 'shoe_size'"),
    ({"field": "age", "op": "bigger", "value": 3}, "eligibility.op: unknown operator 'bigger'"),
    ({"field": "age", "op": "has_any", "value": [3]}, "eligibility.op: 'has_any' cannot test 'age'"),
    ({"field": "age", "op": "eq", "value": "ten"}, "eligibility.value: 'ten' is not a whole number"),
    ({"field": "age", "op": "eq", "value": True}, "eligibility.value: True is not a whole number"),
    ({"field": "age", "op": "between", "value": [18, 5]}, "eligibility.value: low must not be more than high"),
    ({"field": "age", "op": "between", "value": [5]}, "eligibility.value: must be [low, high]"),
    ({"field": "needs", "op": "has_any", "value": "ASD"}, "eligibility.value: must be a non-empty list"),
    ({"field": "needs", "op": "has_any", "value": []}, "eligibility.value: must be a non-empty list"),
    ({"field": "district", "op": "in", "value": [3]}, "eligibility.value: 3 is not text"),
    ({"field": "ehcp", "op": "eq", "value": "yes"}, "eligibility.value: 'yes' is not one of none, requested"),
    ({"field": "looked_after", "op": "is_true", "value": 1}, "eligibility.value: is_true and is_false take no"),
    ({"field": "age", "op": "eq"}, "eligibility.value: is missing"),
    ({"field": "age", "op": "eq", "value": 3, "colour": "red"}, "eligibility: unknown key(s) colour"),
    ({"all": []}, "eligibility.all: must be a non-empty list"),
    ({"any": {}}, "eligibility.any: must be a non-empty list"),
    ({"all": [{"field": "age", "op": "eq", "value": 1}], "any": []}, "eligibility: 'all' must be the only key"),
    ("age > 5", "eligibility: must be an object"),
    ({"field": "age", "op": "eq", "value": 3, "message": " "}, "eligibility.message: must be non-empty text"),
])
def test_each_kind_of_mistake_is_named_with_its_path(rule, expected):
    assert any(problem.startswith(expected) for problem in problems(rule)), problems(rule)


def test_nested_paths_and_every_problem_listed():
    found = problems({"all": [
        {"field": "age", "op": "eq", "value": 1},
        {"any": [{"field": "age", "op": "eq", "value": 2}, {"not": {"field": "nope", "op": "eq", "value": 1}}]},
        {"any": []},
    ]})
    assert found[0].startswith("eligibility.all[1].any[1].not.field: unknown field 'nope'")
    assert found[1] == "eligibility.all[2].any: must be a non-empty list of conditions"


def test_values_are_checked_against_a_vocabulary_when_given():
    found = problems({"field": "needs", "op": "has_any", "value": ["ASD", "XYZ"]}, {"needs": {"ASD", "SLCN"}})
    assert found == ["eligibility.value: 'XYZ' is not a known needs value"]
