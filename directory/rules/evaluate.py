"""Evaluate a rule against a family's facts with three values: true, false, or unknown (not enough facts).

A rule is compiled once into nodes with negation pushed down to the tests (De Morgan holds in this logic),
so evaluation is a walk over plain Python objects; reasons are only worked out for what is not eligible.
"""

import itertools
from dataclasses import dataclass, field

from directory.rules.explain import Labels, failure_message
from directory.rules.fields import OneOf

ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = "eligible", "not_eligible", "unknown"
_NO_LABELS = Labels()


@dataclass
class Outcome:
    outcome: str
    reasons: list[str] = field(default_factory=list)  # why not eligible
    missing: list[str] = field(default_factory=list)  # fields the record must give before we can say


def _operator(op: str, value):
    if op in ("has_any", "has_all", "has_none"):
        wanted = frozenset(value)
        return {"has_any": lambda v: not wanted.isdisjoint(v), "has_all": lambda v: wanted <= v,
                "has_none": lambda v: wanted.isdisjoint(v)}[op]
    if op == "between":
        low, high = value
        return lambda v: low <= v <= high
    if op in ("in", "not_in"):
        options = frozenset(value)
        return (lambda v: v in options) if op == "in" else (lambda v: v not in options)
    return {"eq": lambda v: v == value, "ne": lambda v: v != value, "gte": lambda v: v >= value,
            "lte": lambda v: v <= value, "is_true": lambda v: v is True, "is_false": lambda v: v is False}[op]


class _Test:
    __slots__ = ("test", "field", "check", "negated", "_reasons")

    def __init__(self, test: dict, negated: bool):
        self.test, self.field, self.negated = test, test["field"], negated
        self.check = _operator(test["op"], test.get("value"))
        self._reasons: dict = {}  # (labels, the fact it mentions) -> message: the same few facts recur

    def value(self, facts: dict):
        actual = facts.get(self.field)
        if actual is None:
            return None
        if isinstance(actual, OneOf):
            # One of several values: known only when every possibility gives the same answer.
            answers = {self.check(possible) != self.negated for possible in actual}
            return answers.pop() if len(answers) == 1 else None
        return self.check(actual) != self.negated

    def explain(self, facts, labels, reasons, missing, result):
        if result is None:
            missing.append(self.field)
        elif result is False:
            actual = facts.get(self.field)
            # Set facts are not named in the message, so one message serves them all; OneOf facts are named.
            shown = actual if isinstance(actual, OneOf) or not isinstance(actual, frozenset) else None
            key = (id(labels), shown)
            message = self._reasons.get(key)
            if message is None:
                message = self._reasons[key] = failure_message(self.test, self.negated, facts, labels)
            reasons.append(message)


class _All:
    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts

    def value(self, facts: dict):
        unknown = False
        for part in self.parts:
            result = part.value(facts)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True

    def explain(self, facts, labels, reasons, missing, result):
        # The parts that made the result what it is (false ones for false, unknown ones for unknown).
        for part in self.parts:
            value = part.value(facts)
            if value is result:
                part.explain(facts, labels, reasons, missing, value)


class _Any(_All):
    __slots__ = ()

    def value(self, facts: dict):
        unknown = False
        for part in self.parts:
            result = part.value(facts)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False


def _compile(node: dict, negated: bool):
    if "not" in node:
        return _compile(node["not"], not negated)
    for key in ("all", "any"):
        if key in node:
            parts = [_compile(part, negated) for part in node[key]]
            # not(all) is any(not ...), and not(any) is all(not ...).
            return (_All if (key == "all") != negated else _Any)(parts)
    return _Test(node, negated)


class CompiledRule:
    def __init__(self, rule: dict):
        self.rule = rule
        self._root = _compile(rule, False)

    def value(self, facts: dict):
        """True, False or None (unknown)."""
        result = self._root.value(facts)
        if result is None:
            result, _worlds = self._in_every_world(facts)
        return result

    def _in_every_world(self, facts: dict):
        """(the answer, the worlds) when every combination of the OneOf facts' values gives the same known
        answer, else (None, []). Each test alone already handles a OneOf fact; this also settles rules that
        test it twice, such as any(district is A, district is B) for a postcode in A or B."""
        possible = {name: sorted(value, key=str) for name, value in facts.items() if isinstance(value, OneOf)}
        if not possible or not all(possible.values()):
            return None, []
        combinations = itertools.product(*possible.values())
        worlds = [{**facts, **dict(zip(possible, chosen, strict=True))} for chosen in combinations]
        answers = {self._root.value(world) for world in worlds}
        return (answers.pop(), worlds) if len(answers) == 1 and None not in answers else (None, [])

    def evaluate(self, facts: dict, labels: Labels | None = None) -> Outcome:
        result = self._root.value(facts)
        worlds = [facts]
        if result is None:
            settled, every = self._in_every_world(facts)
            if settled is not None:
                result, worlds = settled, every
        if result is True:
            return Outcome(ELIGIBLE)
        reasons, missing = [], []
        for world in worlds:
            self._root.explain(world, labels or _NO_LABELS, reasons, missing, result)
        if result is False:
            return Outcome(NOT_ELIGIBLE, reasons=list(dict.fromkeys(reasons)))
        return Outcome(UNKNOWN, missing=list(dict.fromkeys(missing)))


def compile_rule(rule: dict) -> CompiledRule:
    return CompiledRule(rule)


def evaluate(rule: dict, facts: dict, labels: Labels | None = None) -> Outcome:
    return CompiledRule(rule).evaluate(facts, labels)
