"""Rules in plain English: what a test asks for, why a child fails it, and a whole rule as a list."""

from dataclasses import dataclass, field

EHCP_PHRASES = {
    "none": "do not have an education, health and care (EHC) plan",
    "requested": "have asked for an education, health and care (EHC) plan",
    "in_place": "have an education, health and care (EHC) plan",
}


@dataclass
class Labels:
    """Names for codes, by field (district slugs, need codes, diagnosis slugs, roles ...); codes show as-is."""

    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def name(self, field_name: str, code) -> str:
        return self.names.get(field_name, {}).get(code, str(code))


def _join(items: list[str], word: str = "or") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _years(value) -> str:
    return "reception" if value == 0 else f"year {value}"


def phrase(test: dict, labels: Labels) -> str:
    """What a test asks for, to follow "children who": "live in Tamworth", "have a diagnosis of autism"."""
    field_name, op, value = test["field"], test["op"], test.get("value")

    def names(values):
        return [labels.name(field_name, v) for v in values]

    if field_name in ("age", "age_months"):
        unit = "years" if field_name == "age" else "months"
        if op == "between":
            return f"are aged {value[0]} to {value[1]} {unit}"
        words = {"eq": "are aged {} " + unit, "ne": "are not aged {} " + unit,
                 "gte": "are aged {} " + unit + " or over", "lte": "are aged {} " + unit + " or under",
                 "in": "are aged {} " + unit, "not_in": "are not aged {} " + unit}
        shown = _join([str(v) for v in value]) if isinstance(value, list) else value
        return words[op].format(shown)
    if field_name == "school_year":
        if op == "between":
            return f"are in school {_years(value[0])} to {_years(value[1])}"
        shown = _join([_years(v) for v in value]) if isinstance(value, list) else _years(value)
        return {"eq": f"are in school {shown}", "in": f"are in school {shown}", "ne": f"are not in school {shown}",
                "not_in": f"are not in school {shown}", "gte": f"are in school {shown} or above",
                "lte": f"are in school {shown} or below"}[op]
    if field_name in ("district", "local_authority"):
        places = _join(names(value if isinstance(value, list) else [value]))
        area = f"the {places} council area" if field_name == "local_authority" else places
        return f"live in {area}" if op in ("eq", "in") else f"do not live in {area}"
    if field_name in ("needs", "need_areas"):
        listed = ", ".join(names(value))
        return {"has_any": f"have any of these needs: {listed}", "has_all": f"have all of these needs: {listed}",
                "has_none": f"do not have any of these needs: {listed}"}[op]
    if field_name == "diagnoses":
        return {"has_any": f"have a diagnosis of {_join(names(value))}",
                "has_all": f"have diagnoses of {_join(names(value), 'and')}",
                "has_none": f"do not have a diagnosis of {_join(names(value))}"}[op]
    if field_name == "suspected":
        return {"has_any": f"may have {_join(names(value))} (no diagnosis needed)",
                "has_all": f"may have {_join(names(value), 'and')} (no diagnosis needed)",
                "has_none": f"are not thought to have {_join(names(value))}"}[op]
    if field_name == "ehcp":
        values = value if isinstance(value, list) else [value]
        if op in ("ne", "not_in"):
            return _join([f"not {EHCP_PHRASES[v]}" for v in values], "and")
        return _join([EHCP_PHRASES[v] for v in values])
    if field_name == "looked_after":
        return "are looked after by the council (in care)" if op == "is_true" else "are not looked after by the council"
    if field_name == "in_education":
        return "are in school, college or other education" if op == "is_true" else "are not in education"
    if field_name == "referrer_role":
        roles = _join(names(value if isinstance(value, list) else [value]))
        return f"are referred by: {roles}" if op in ("eq", "in") else f"are not referred by: {roles}"
    return f"match {field_name} {op} {value}"


def _actual(field_name: str, facts: dict, labels: Labels) -> str:
    value = facts.get(field_name)
    if field_name == "age":
        return f"your child is {value}"
    if field_name == "age_months":
        return f"your child is {value} months old"
    if field_name == "district":
        return f"you live in {labels.name('district', value)}"
    if field_name == "local_authority":
        return f"you live in the {labels.name('local_authority', value)} council area"
    if field_name == "school_year":
        return f"your child is in school {_years(value)}"
    if field_name == "referrer_role":
        return f"the referral is from: {labels.name('referrer_role', value)}"
    return ""


def failure_message(test: dict, negated: bool, facts: dict, labels: Labels) -> str:
    """Why this test rules the child out: its own message, or one made from the field, operator and value."""
    if test.get("message"):
        return test["message"]
    if test["field"] == "age" and test["op"] == "between" and not negated:
        low, high = test["value"]
        return f"Only for ages {low} to {high}; your child is {facts.get('age')}"
    actual = _actual(test["field"], facts, labels)
    sentence = f"{'Not' if negated else 'Only'} for children who {phrase(test, labels)}"
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
    text = f"{'Not for' if negated else 'For'} children who {phrase(rule, labels)}"
    if rule.get("message"):
        text = f"{text} ({rule['message'].rstrip('.')})"
    return {"text": text, "children": []}
