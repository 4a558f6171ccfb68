"""Every reason the rules can give, for every field and operator, positive and negated, is plain English.

The table is checked against the rule language's own field and operator tables, so a new field or operator
fails here until it has sentences that read right.
"""

import pytest

from directory.rules import Labels, describe_rule
from directory.rules.explain import failure_message
from directory.rules.fields import FIELDS, OPERATORS, OneOf

LABELS = Labels({
    "district": {"tamworth": "Tamworth", "lichfield": "Lichfield"},
    "local_authority": {"staffordshire": "Staffordshire", "stoke-on-trent": "Stoke-on-Trent"},
    "needs": {"SLCN": "SLCN", "ASD": "ASD"},
    "need_areas": {"communication": "Communication", "sensory": "Sensory"},
    "diagnoses": {"autism": "autism", "adhd": "ADHD"},
    "suspected": {"autism": "autism", "adhd": "ADHD"},
    "referrer_role": {"gp": "GP", "senco": "SENCO or school"},
})
# One value and two values for each text field; sets always take a list.
ONE = {"age": 5, "age_months": 18, "school_year": 0, "district": "tamworth", "local_authority": "staffordshire",
       "ehcp": "in_place", "referrer_role": "gp"}
TWO = {"age": [5, 6], "age_months": [18, 24], "school_year": [0, 1], "district": ["lichfield", "tamworth"],
       "local_authority": ["staffordshire", "stoke-on-trent"], "ehcp": ["requested", "in_place"],
       "referrer_role": ["gp", "senco"], "needs": ["SLCN", "ASD"], "need_areas": ["communication", "sensory"],
       "diagnoses": ["autism", "adhd"], "suspected": ["autism", "adhd"]}
RANGE = {"age": [5, 9], "age_months": [18, 36], "school_year": [0, 6]}
VALUES = {"eq": ONE, "ne": ONE, "gte": ONE, "lte": ONE, "in": TWO, "not_in": TWO, "between": RANGE,
          "has_any": TWO, "has_all": TWO, "has_none": TWO}


def rule_test(field_name: str, op: str) -> dict:
    test = {"field": field_name, "op": op}
    if op in VALUES:
        test["value"] = VALUES[op][field_name]
    return test


# (field, operator): (why a child fails the test, why a child fails "not" the test).
SENTENCES = {
    ("age", "between"): (
        "Only for ages 5 to 9",
        "Not for children who are aged 5 to 9 years"),
    ("age", "eq"): (
        "Only for children who are aged 5 years",
        "Not for children who are aged 5 years"),
    ("age", "gte"): (
        "Only for children who are aged 5 years or over",
        "Not for children who are aged 5 years or over"),
    ("age", "in"): (
        "Only for children who are aged 5 or 6 years",
        "Not for children who are aged 5 or 6 years"),
    ("age", "lte"): (
        "Only for children who are aged 5 years or under",
        "Not for children who are aged 5 years or under"),
    ("age", "ne"): (
        "Only for children who are not aged 5 years",
        "Only for children who are aged 5 years"),
    ("age", "not_in"): (
        "Only for children who are not aged 5 or 6 years",
        "Only for children who are aged 5 or 6 years"),
    ("age_months", "between"): (
        "Only for children who are aged 18 to 36 months",
        "Not for children who are aged 18 to 36 months"),
    ("age_months", "eq"): (
        "Only for children who are aged 18 months",
        "Not for children who are aged 18 months"),
    ("age_months", "gte"): (
        "Only for children who are aged 18 months or over",
        "Not for children who are aged 18 months or over"),
    ("age_months", "in"): (
        "Only for children who are aged 18 or 24 months",
        "Not for children who are aged 18 or 24 months"),
    ("age_months", "lte"): (
        "Only for children who are aged 18 months or under",
        "Not for children who are aged 18 months or under"),
    ("age_months", "ne"): (
        "Only for children who are not aged 18 months",
        "Only for children who are aged 18 months"),
    ("age_months", "not_in"): (
        "Only for children who are not aged 18 or 24 months",
        "Only for children who are aged 18 or 24 months"),
    ("district", "eq"): (
        "Only for children who live in Tamworth",
        "Not for children who live in Tamworth"),
    ("district", "in"): (
        "Only for children who live in Lichfield or Tamworth",
        "Not for children who live in Lichfield or Tamworth"),
    ("district", "ne"): (
        "Only for children who do not live in Tamworth",
        "Only for children who live in Tamworth"),
    ("district", "not_in"): (
        "Only for children who do not live in Lichfield or Tamworth",
        "Only for children who live in Lichfield or Tamworth"),
    ("local_authority", "eq"): (
        "Only for children who live in the Staffordshire council area",
        "Not for children who live in the Staffordshire council area"),
    ("local_authority", "in"): (
        "Only for children who live in the Staffordshire or Stoke-on-Trent council area",
        "Not for children who live in the Staffordshire or Stoke-on-Trent council area"),
    ("local_authority", "ne"): (
        "Only for children who do not live in the Staffordshire council area",
        "Only for children who live in the Staffordshire council area"),
    ("local_authority", "not_in"): (
        "Only for children who do not live in the Staffordshire or Stoke-on-Trent council area",
        "Only for children who live in the Staffordshire or Stoke-on-Trent council area"),
    ("needs", "has_all"): (
        "Only for children who have all of these needs: SLCN, ASD",
        "Not for children who have all of these needs: SLCN, ASD"),
    ("needs", "has_any"): (
        "Only for children who have any of these needs: SLCN, ASD",
        "Not for children who have any of these needs: SLCN, ASD"),
    ("needs", "has_none"): (
        "Only for children who have none of these needs: SLCN, ASD",
        "Only for children who have any of these needs: SLCN, ASD"),
    ("need_areas", "has_all"): (
        "Only for children who have all of these areas of need: Communication, Sensory",
        "Not for children who have all of these areas of need: Communication, Sensory"),
    ("need_areas", "has_any"): (
        "Only for children who have any of these areas of need: Communication, Sensory",
        "Not for children who have any of these areas of need: Communication, Sensory"),
    ("need_areas", "has_none"): (
        "Only for children who have none of these areas of need: Communication, Sensory",
        "Only for children who have any of these areas of need: Communication, Sensory"),
    ("diagnoses", "has_all"): (
        "Only for children who have diagnoses of autism and ADHD",
        "Not for children who have diagnoses of autism and ADHD"),
    ("diagnoses", "has_any"): (
        "Only for children who have a diagnosis of autism or ADHD",
        "Not for children who have a diagnosis of autism or ADHD"),
    ("diagnoses", "has_none"): (
        "Only for children who do not have a diagnosis of autism or ADHD",
        "Only for children who have a diagnosis of autism or ADHD"),
    ("suspected", "has_all"): (
        "Only for children who may have autism and ADHD (no diagnosis needed)",
        "Not for children who may have autism and ADHD (no diagnosis needed)"),
    ("suspected", "has_any"): (
        "Only for children who may have autism or ADHD (no diagnosis needed)",
        "Not for children who may have autism or ADHD (no diagnosis needed)"),
    ("suspected", "has_none"): (
        "Only for children who are not thought to have autism or ADHD",
        "Only for children who may have autism or ADHD (no diagnosis needed)"),
    ("ehcp", "eq"): (
        "Only for children who have an education, health and care (EHC) plan",
        "Not for children who have an education, health and care (EHC) plan"),
    ("ehcp", "in"): (
        "Only for children who have an education, health and care (EHC) plan or have asked for one",
        "Not for children who have an education, health and care (EHC) plan or have asked for one"),
    ("ehcp", "ne"): (
        "Only for children who do not have an education, health and care (EHC) plan",
        "Only for children who have an education, health and care (EHC) plan"),
    ("ehcp", "not_in"): (
        "Only for children who do not have an education, health and care (EHC) plan and have not asked for one",
        "Only for children who have an education, health and care (EHC) plan or have asked for one"),
    ("school_year", "between"): (
        "Only for children who are in reception to year 6 at school",
        "Not for children who are in reception to year 6 at school"),
    ("school_year", "eq"): (
        "Only for children who are in reception at school",
        "Not for children who are in reception at school"),
    ("school_year", "gte"): (
        "Only for children who are in reception or above at school",
        "Not for children who are in reception or above at school"),
    ("school_year", "in"): (
        "Only for children who are in reception or year 1 at school",
        "Not for children who are in reception or year 1 at school"),
    ("school_year", "lte"): (
        "Only for children who are in reception or below at school",
        "Not for children who are in reception or below at school"),
    ("school_year", "ne"): (
        "Only for children who are not in reception at school",
        "Only for children who are in reception at school"),
    ("school_year", "not_in"): (
        "Only for children who are not in reception or year 1 at school",
        "Only for children who are in reception or year 1 at school"),
    ("looked_after", "is_false"): (
        "Only for children who are not looked after by the council (in care)",
        "Only for children who are looked after by the council (in care)"),
    ("looked_after", "is_true"): (
        "Only for children who are looked after by the council (in care)",
        "Not for children who are looked after by the council (in care)"),
    ("in_education", "is_false"): (
        "Only for children who are not in school, college or other education",
        "Only for children who are in school, college or other education"),
    ("in_education", "is_true"): (
        "Only for children who are in school, college or other education",
        "Not for children who are in school, college or other education"),
    ("referrer_role", "eq"): (
        "Only for children who are referred by GP",
        "Not for children who are referred by GP"),
    ("referrer_role", "in"): (
        "Only for children who are referred by one of these: GP, SENCO or school",
        "Not for children who are referred by one of these: GP, SENCO or school"),
    ("referrer_role", "ne"): (
        "Only for children who are not referred by GP",
        "Only for children who are referred by GP"),
    ("referrer_role", "not_in"): (
        "Only for children who are not referred by one of these: GP, SENCO or school",
        "Only for children who are referred by one of these: GP, SENCO or school"),
}


def test_the_table_covers_every_field_and_operator_and_nothing_else():
    every = {(name, op) for name, kind in FIELDS.items() for op in OPERATORS[kind]}
    assert set(SENTENCES) == every


@pytest.mark.parametrize(("field_name", "op"), sorted(SENTENCES))
def test_reason_reads_right(field_name, op):
    test = rule_test(field_name, op)
    positive, negated = SENTENCES[field_name, op]
    assert failure_message(test, False, {}, LABELS) == positive
    assert failure_message(test, True, {}, LABELS) == negated


@pytest.mark.parametrize(("field_name", "op"), sorted(SENTENCES))
def test_a_service_page_says_the_same_as_the_reason(field_name, op):
    test = rule_test(field_name, op)
    positive, negated = SENTENCES[field_name, op]
    if (field_name, op) == ("age", "between"):
        positive = "For children who are aged 5 to 9 years"
    assert describe_rule(test, LABELS)["text"] == positive.replace("Only for", "For")
    assert describe_rule({"not": test}, LABELS)["text"] == negated.replace("Only for", "For")


def test_no_sentence_has_a_double_negative_or_a_missing_verb():
    for positive, negated in SENTENCES.values():
        for sentence in (positive, negated):
            assert "who not " not in sentence and "not not" not in sentence
            assert not (sentence.startswith("Not for") and " not " in sentence.removeprefix("Not for"))


def test_a_fact_that_is_one_of_several_values_is_named_as_such():
    test = {"field": "district", "op": "eq", "value": "stafford"}
    facts = {"district": OneOf({"tamworth", "lichfield"})}
    assert failure_message(test, False, facts, LABELS) == (
        "Only for children who live in stafford; you live in Lichfield or Tamworth")


def test_a_range_of_possible_months_is_named_as_a_range():
    test = {"field": "age_months", "op": "lte", "value": 36}
    facts = {"age_months": OneOf(range(108, 120))}
    assert failure_message(test, False, facts, LABELS) == (
        "Only for children who are aged 36 months or under; your child is 108 to 119 months old")
