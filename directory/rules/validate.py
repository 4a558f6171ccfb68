"""Check a rule before it is saved: every problem with its path inside the rule."""

from directory.rules.fields import ALL_OPERATORS, BOOL, EHCP_VALUES, FIELDS, INT, OPERATORS, SET, TEXT

_TEST_KEYS = {"field", "op", "value", "message"}


class RuleError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def validate_rule(rule, vocabulary: dict[str, set[str]] | None = None, path: str = "eligibility") -> None:
    """Raise RuleError listing every problem, e.g. 'eligibility.all[1].op: unknown operator "bigger"'.

    `vocabulary` optionally gives the known values of text and set fields (district slugs, need codes, ...).
    """
    problems: list[str] = []
    _check(rule, path, problems, vocabulary or {})
    if problems:
        raise RuleError(problems)


def _check(node, path: str, problems: list[str], vocabulary: dict) -> None:
    if not isinstance(node, dict):
        problems.append(f"{path}: must be an object with all, any, not, or a field test")
        return
    groups = [key for key in ("all", "any", "not") if key in node]
    if groups:
        if len(node) != 1:
            problems.append(f"{path}: {groups[0]!r} must be the only key, found {sorted(node)}")
            return
        key = groups[0]
        if key == "not":
            _check(node["not"], f"{path}.not", problems, vocabulary)
            return
        parts = node[key]
        if not isinstance(parts, list) or not parts:
            problems.append(f"{path}.{key}: must be a non-empty list of conditions")
            return
        for i, part in enumerate(parts):
            _check(part, f"{path}.{key}[{i}]", problems, vocabulary)
        return
    unknown_keys = sorted(set(node) - _TEST_KEYS)
    if unknown_keys:
        problems.append(f"{path}: unknown key(s) {', '.join(unknown_keys)}")
    field, op = node.get("field"), node.get("op")
    if field not in FIELDS:
        problems.append(f"{path}.field: unknown field {field!r} (known: {', '.join(FIELDS)})")
        return
    if op not in ALL_OPERATORS:
        problems.append(f"{path}.op: unknown operator {op!r}")
        return
    kind = FIELDS[field]
    if op not in OPERATORS[kind]:
        problems.append(f"{path}.op: {op!r} cannot test {field!r} (use {', '.join(sorted(OPERATORS[kind]))})")
        return
    if "message" in node and not (isinstance(node["message"], str) and node["message"].strip()):
        problems.append(f"{path}.message: must be non-empty text")
    problem = _value_problem(field, kind, op, node.get("value"), "value" in node, vocabulary)
    if problem:
        problems.append(f"{path}.value: {problem}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value_problem(field, kind, op, value, given, vocabulary) -> str | None:
    if kind == BOOL:
        return "is_true and is_false take no value" if given else None
    if not given:
        return "is missing"
    if op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)):
            return "must be [low, high], two whole numbers"
        return "low must not be more than high" if value[0] > value[1] else None
    if op in ("in", "not_in") or kind == SET:
        if not isinstance(value, list) or not value:
            return "must be a non-empty list"
        items = value
    else:
        items = [value]
    for item in items:
        if kind == INT and not _is_int(item):
            return f"{item!r} is not a whole number"
        if kind in (TEXT, SET) and not isinstance(item, str):
            return f"{item!r} is not text"
        if field == "ehcp" and item not in EHCP_VALUES:
            return f"{item!r} is not one of {', '.join(EHCP_VALUES)}"
        known = vocabulary.get(field)
        if known is not None and item not in known:
            return f"{item!r} is not a known {field} value"
    return None
