"""Rules in plain English: what a test asks for, why a child fails it, and a whole rule as a list."""

from dataclasses import dataclass, field

from directory.rules.fields import OneOf

# Which EHC plan statuses a test allows, as the words that follow "children who".
_EHCP = "an education, health and care (EHC) plan"
EHCP_PHRASES = {
    frozenset(): "are in no EHC plan group (no child can be)",
    frozenset({"none"}): f"do not have {_EHCP} and have not asked for one",
    frozenset({"requested"}): f"have asked for {_EHCP} and are waiting",
    frozenset({"in_place"}): f"have {_EHCP}",
    frozenset({"none", "requested"}): f"do not have {_EHCP}",
    frozenset({"requested", "in_place"}): f"have {_EHCP} or have asked for one",
    frozenset({"none", "in_place"}): f"have {_EHCP} or have not asked for one",
    frozenset({"none", "requested", "in_place"}): f"have {_EHCP}, have asked for one, or have not",
}
EHCP_STATUSES = frozenset({"none", "requested", "in_place"})
_MESSAGES_KEPT = 50_000  # reasons a Labels remembers before starting again
# Under "not", a negative operator reads better as its positive twin: "For children who live in Tamworth",
# never "Not for children who do not live in Tamworth".
_POSITIVE_TWIN = {"ne": "eq", "not_in": "in", "has_none": "has_any", "is_false": "is_true"}


@dataclass
class Labels:
    """Names for codes, by field (district slugs, need codes, diagnosis slugs, roles ...); codes show as-is."""

    names: dict[str, dict[str, str]] = field(default_factory=dict)
    # Reasons already written with these names, by (test, the fact it mentions): a directory's rules repeat the
    # same tests, and a family's facts are the same for every service.
    messages: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def name(self, field_name: str, code) -> str:
        return self.names.get(field_name, {}).get(code, str(code))

    def remember(self, key, message: str) -> str:
        if len(self.messages) >= _MESSAGES_KEPT:
            self.messages.clear()  # bounded: a long-lived process meets many facts
        self.messages[key] = message
        return message


def _join(items: list[str], word: str = "or") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _years(value) -> str:
    return {0: "reception", -1: "nursery"}.get(value, f"year {value}")


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def phrase(test: dict, labels: Labels) -> str:
    """What a test asks for, to follow "children who": "live in Tamworth", "have a diagnosis of autism"."""
    field_name, op, value = test["field"], test["op"], test.get("value")
    negative = op in ("ne", "not_in", "has_none", "is_false")

    def names(values):
        return [labels.name(field_name, v) for v in values]

    if field_name in ("age", "age_months"):
        unit = "years" if field_name == "age" else "months"
        if op == "between":
            return f"are aged {value[0]} to {value[1]} {unit}"
        if op in ("gte", "lte"):
            return f"are aged {value} {unit} or {'over' if op == 'gte' else 'under'}"
        return f"are {'not ' if negative else ''}aged {_join([str(v) for v in _listed(value)])} {unit}"
    if field_name == "school_year":
        if op == "between":
            return f"are in {_years(value[0])} to {_years(value[1])} at school"
        if op in ("gte", "lte"):
            return f"are in {_years(value)} or {'above' if op == 'gte' else 'below'} at school"
        return f"are {'not ' if negative else ''}in {_join([_years(v) for v in _listed(value)])} at school"
    if field_name in ("district", "local_authority"):
        places = _join(names(_listed(value)))
        area = f"the {places} council area" if field_name == "local_authority" else places
        return f"{'do not live' if negative else 'live'} in {area}"
    if field_name in ("needs", "need_areas"):
        listed = ", ".join(names(value))
        kind = "needs" if field_name == "needs" else "areas of need"
        return {"has_any": f"have any of these {kind}: {listed}", "has_all": f"have all of these {kind}: {listed}",
                "has_none": f"have none of these {kind}: {listed}"}[op]
    if field_name == "diagnoses":
        return {"has_any": f"have a diagnosis of {_join(names(value))}",
                "has_all": f"have diagnoses of {_join(names(value), 'and')}",
                "has_none": f"do not have a diagnosis of {_join(names(value))}"}[op]
    if field_name == "suspected":
        return {"has_any": f"may have {_join(names(value))} (no diagnosis needed)",
                "has_all": f"may have {_join(names(value), 'and')} (no diagnosis needed)",
                "has_none": f"are not thought to have {_join(names(value))}"}[op]
    if field_name == "ehcp":
        statuses = frozenset(_listed(value))
        return EHCP_PHRASES[EHCP_STATUSES - statuses if negative else statuses]
    if field_name == "looked_after":
        return f"are {'not ' if negative else ''}looked after by the council (in care)"
    if field_name == "in_education":
        return f"are {'not ' if negative else ''}in school, college or other education"
    if field_name == "referrer_role":
        roles = names(_listed(value))
        shown = roles[0] if len(roles) == 1 else f"one of these: {', '.join(roles)}"
        return f"are {'not ' if negative else ''}referred by {shown}"
    return f"match {field_name} {op} {value}"


def _shown(value, show) -> str:
    """One value, or the values it may be ("Lichfield or Tamworth") when the fact is one of several."""
    if isinstance(value, OneOf):
        numbers = all(isinstance(v, int) for v in value)
        ordered = sorted(value) if numbers else sorted(value, key=str)
        if numbers and len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"{show(ordered[0])} to {show(ordered[-1])}"  # a whole year of months: "108 to 119"
        return _join(sorted(show(v) for v in ordered))
    return show(value)


def _actual(field_name: str, facts: dict, labels: Labels) -> str:
    value = facts.get(field_name)
    if value is None:
        return ""
    if field_name == "age":
        return f"your child is {_shown(value, str)}"
    if field_name == "age_months":
        return f"your child is {_shown(value, str)} months old"
    if field_name == "district":
        return f"you live in {_shown(value, lambda v: labels.name('district', v))}"
    if field_name == "local_authority":
        return f"you live in the {_shown(value, lambda v: labels.name('local_authority', v))} council area"
    if field_name == "school_year":
        return f"your child is in {_shown(value, _years)}"
    if field_name == "referrer_role":
        return f"the referral is from {_shown(value, lambda v: labels.name('referrer_role', v))}"
    return ""


def _sentence(test: dict, negated: bool, labels: Labels, start: str) -> str:
    """"<start> children who ...", or "Not for children who ..."; a negated negative reads as a positive."""
    if negated and test["op"] in _POSITIVE_TWIN:
        test, negated = {**test, "op": _POSITIVE_TWIN[test["op"]]}, False
    return f"{'Not for' if negated else start} children who {phrase(test, labels)}"


def failure_message(test: dict, negated: bool, facts: dict, labels: Labels) -> str:
    """Why this test rules the child out: its own message, or one made from the field, operator and value."""
    if test.get("message"):
        return test["message"]
    actual = _actual(test["field"], facts, labels)
    if test["field"] == "age" and test["op"] == "between" and not negated:
        low, high = test["value"]
        return f"Only for ages {low} to {high}" + (f"; {actual}" if actual else "")
    sentence = _sentence(test, negated, labels, "Only for")
    return f"{sentence}; {actual}" if actual else sentence


def describe_rule(rule: dict, labels: Labels, negated: bool = False) -> dict:
    """The rule as a tree of plain-English lines: {"text": ..., "children": [...]}, negation pushed down."""
    if "not" in rule:
        return describe_rule(rule["not"], labels, not negated)
    for key in ("all", "any"):
        if key in rule:
            every = (key == "all") != negated
            children = [describe_rule(part, labels, negated) for part in rule[key]]
            if len(children) == 1:
                return children[0]
            return {"text": "All of these:" if every else "At least one of these:", "children": children}
    text = _sentence(rule, negated, labels, "For")
    if rule.get("message"):
        text = f"{text} ({rule['message'].rstrip('.')})"
    return {"text": text, "children": []}
