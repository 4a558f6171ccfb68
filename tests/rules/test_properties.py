"""Properties of the three-valued logic, checked over many random rules and families (Hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.rules import Labels, OneOf, compile_rule, validate_rule
from directory.rules.evaluate import RuleSet, _compile

CODES = ["a", "b", "c"]
tests = st.one_of(
    st.builds(lambda op, v: {"field": "age", "op": op, "value": v}, st.sampled_from(["eq", "ne", "gte", "lte"]),
              st.integers(0, 25)),
    st.builds(lambda low, span: {"field": "age", "op": "between", "value": [low, low + span]}, st.integers(0, 25),
              st.integers(0, 10)),
    st.builds(lambda op, v: {"field": "district", "op": op, "value": v}, st.sampled_from(["in", "not_in"]),
              st.lists(st.sampled_from(CODES), min_size=1, max_size=3)),
    st.builds(lambda f, op, v: {"field": f, "op": op, "value": v}, st.sampled_from(["needs", "diagnoses"]),
              st.sampled_from(["has_any", "has_all", "has_none"]), st.lists(st.sampled_from(CODES), min_size=1)),
    st.builds(lambda op: {"field": "looked_after", "op": op}, st.sampled_from(["is_true", "is_false"])),
)
rules = st.recursive(
    tests,
    lambda children: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, children),
    ),
    max_leaves=8,
)
facts = st.fixed_dictionaries({}, optional={
    "age": st.integers(0, 30),
    "district": st.sampled_from(CODES),
    "needs": st.frozensets(st.sampled_from(CODES)),
    "diagnoses": st.frozensets(st.sampled_from(CODES)),
    "looked_after": st.booleans(),
})
extra_fields = {"age": st.integers(0, 30), "district": st.sampled_from(CODES),
                "needs": st.frozensets(st.sampled_from(CODES)), "diagnoses": st.frozensets(st.sampled_from(CODES)),
                "looked_after": st.booleans()}


@settings(max_examples=300, deadline=None)
@given(rules, facts)
def test_double_negation_changes_nothing(rule, family):
    validate_rule(rule)
    assert compile_rule({"not": {"not": rule}}).value(family) is compile_rule(rule).value(family)


@settings(max_examples=300, deadline=None)
@given(rules, facts, st.data())
def test_knowing_more_never_turns_an_answer_into_unknown(rule, family, data):
    before = compile_rule(rule).value(family)
    missing = [name for name in extra_fields if name not in family]
    if not missing:
        return
    name = data.draw(st.sampled_from(missing))
    after = compile_rule(rule).value({**family, name: data.draw(extra_fields[name])})
    if before is not None:
        assert after is before


@settings(max_examples=200, deadline=None)
@given(rules, facts)
def test_outcome_explains_itself(rule, family):
    outcome = compile_rule(rule).evaluate(family)
    if outcome.outcome == "not_eligible":
        assert outcome.reasons and not outcome.missing
    elif outcome.outcome == "unknown":
        assert outcome.missing and set(outcome.missing) <= set(extra_fields) - set(family)
    else:
        assert not outcome.reasons and not outcome.missing


# A district known only to be one of several (a postcode that straddles districts).
possible_districts = st.frozensets(st.sampled_from(CODES), min_size=1)


@settings(max_examples=300, deadline=None)
@given(rules, facts, possible_districts)
def test_one_of_several_districts_is_known_exactly_when_every_possibility_agrees(rule, family, possible):
    compiled = compile_rule(rule)
    each = {compiled.value({**family, "district": district}) for district in possible}
    together = compiled.value({**family, "district": OneOf(possible)})
    if len(each) == 1 and None not in each:
        assert together is next(iter(each))
    # Unknown when the possibilities disagree; a rule may also be unknown for another missing fact.
    if len(each) > 1:
        assert together is None


@settings(max_examples=300, deadline=None)
@given(rules, facts, possible_districts, st.data())
def test_narrowing_the_possible_districts_never_changes_a_known_answer(rule, family, possible, data):
    compiled = compile_rule(rule)
    before = compiled.value({**family, "district": OneOf(possible)})
    fewer = data.draw(st.frozensets(st.sampled_from(sorted(possible)), min_size=1))
    after = compiled.value({**family, "district": OneOf(fewer)})
    if before is not None:
        assert after is before


@settings(max_examples=200, deadline=None)
@given(rules, facts, possible_districts)
def test_an_unknown_district_is_named_as_missing(rule, family, possible):
    outcome = compile_rule(rule).evaluate({**family, "district": OneOf(possible)})
    if outcome.outcome == "unknown":
        assert outcome.missing and set(outcome.missing) <= (set(extra_fields) - set(family)) | {"district"}


@settings(max_examples=300, deadline=None)
@given(rules, facts, st.none() | possible_districts)
def test_the_compiled_rule_agrees_with_its_tree(rule, family, possible):
    # The tree (each test and group walked) is what the rule means; the compiled rule runs on the tests' codes,
    # and also settles a rule that tests a OneOf fact twice, which the tree alone leaves unknown.
    if possible is not None:
        family = {**family, "district": OneOf(possible)}
    tree = _compile(rule, False).value(family)
    compiled = compile_rule(rule).value(family)
    if tree is not None or possible is None:
        assert compiled is tree


LABELS = Labels({"district": {"a": "Area A", "b": "Area B"}, "needs": {"a": "Need A"}})


@settings(max_examples=150, deadline=None)
@given(st.lists(rules, min_size=1, max_size=5), facts, st.none() | possible_districts)
def test_rules_sharing_a_set_decide_and_explain_as_each_alone(many, family, possible):
    if possible is not None:
        family = {**family, "district": OneOf(possible)}
    shared = RuleSet()
    compiled = [compile_rule(rule, shared) for rule in many]
    together = shared.family(family, LABELS)
    for rule, one in zip(many, compiled, strict=True):
        alone = compile_rule(rule).evaluate(family, LABELS)
        for outcome in (one.outcome(together), one.evaluate(family, LABELS)):
            assert (outcome.outcome, outcome.reasons, outcome.missing) == (alone.outcome, alone.reasons,
                                                                           alone.missing)
