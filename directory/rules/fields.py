"""The fields a rule may test, their types, and which operators suit each type."""

INT, TEXT, SET, BOOL = "int", "text", "set", "bool"


class OneOf(frozenset):
    """A fact known only to be one of these values, as when a postcode straddles districts.

    A test on it is true if true for every value, false if false for every value, and unknown otherwise.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"OneOf({sorted(self, key=str)!r})"

FIELDS = {
    "age": INT,
    "age_months": INT,
    "district": TEXT,
    "local_authority": TEXT,
    "needs": SET,
    "need_areas": SET,
    "diagnoses": SET,
    "suspected": SET,
    "ehcp": TEXT,
    "school_year": INT,
    "looked_after": BOOL,
    "in_education": BOOL,
    "referrer_role": TEXT,
}

OPERATORS = {
    INT: {"eq", "ne", "in", "not_in", "gte", "lte", "between"},
    TEXT: {"eq", "ne", "in", "not_in"},
    SET: {"has_any", "has_all", "has_none"},
    BOOL: {"is_true", "is_false"},
}
ALL_OPERATORS = set().union(*OPERATORS.values())
EHCP_VALUES = ("none", "requested", "in_place")

# What to ask the family when a rule needs a field the record does not give ("we need to know ...").
MISSING_QUESTIONS = {
    "age": "your child's date of birth",
    "age_months": "your child's date of birth",
    "district": "which area you live in",
    "local_authority": "which council area you live in",
    "needs": "your child's needs",
    "need_areas": "your child's needs",
    "diagnoses": "any diagnoses your child has",
    "suspected": "any conditions you or a professional think your child may have",
    "ehcp": "whether your child has an education, health and care (EHC) plan",
    "school_year": "your child's school year",
    "looked_after": "whether your child is looked after by the council (in care)",
    "in_education": "whether your child is in school, college or other education",
    "referrer_role": "who is making the referral",
}
