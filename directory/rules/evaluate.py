"""Evaluate a rule against a family's facts with three values: true, false, or unknown (not enough facts).

A rule is compiled once into nodes with negation pushed down to the tests (De Morgan holds in this logic). The
tree says what each test and group means; evaluation runs on codes of the tests (see RuleSet below), so that the
thousands of rules of a directory are decided for one family without walking thousands of trees.
"""

import copy
import functools
import itertools
import operator
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
    __slots__ = ("test", "field", "check", "negated")

    def __init__(self, test: dict, negated: bool):
        self.test, self.field, self.negated = test, test["field"], negated
        self.check = _operator(test["op"], test.get("value"))

    def value(self, facts: dict):
        actual = facts.get(self.field)
        if actual is None:
            return None
        if isinstance(actual, OneOf):
            # One of several values: known only when every possibility gives the same answer.
            answers = {self.check(possible) != self.negated for possible in actual}
            return answers.pop() if len(answers) == 1 else None
        return self.check(actual) != self.negated


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


# --- a rule set: the tests of many rules, each worked out once per family -------------------------------------
# A directory holds thousands of rules made of the same few thousand tests (age ranges, areas, needs ...), and a
# family's facts are the same for every service. So each distinct test is worked out once per family, into a list
# of values coded 0 (false), 1 (unknown) and 2 (true); a group is then the smallest ("all") or the largest ("any")
# of its parts' codes, the three-valued logic above exactly. Each rule becomes one small Python function of its
# tests' codes, shared by every rule of the same shape, that gives the rule's code and the tests that explain it.

_CODE = {False: 0, None: 1, True: 2}
_VALUE = (False, None, True)
_OUTCOMES = (NOT_ELIGIBLE, UNKNOWN, ELIGIBLE)


def _test_key(test: "_Test") -> str:
    # The message is part of the key: two tests that differ only in their message give different reasons.
    return repr((test.test.get("field"), test.test.get("op"), test.test.get("value"), test.test.get("message"),
                 test.negated))


class RuleSet:
    """The distinct tests of the rules compiled into it. Compile every rule first, then evaluate: a set that
    families are being evaluated against must not be given more rules (the app compiles a whole directory at once)."""

    def __init__(self):
        self.tests: list[_Test] = []
        self._keys: list[str] = []
        self._slots: dict[str, int] = {}
        self._by_field: dict[str, list[int]] = {}

    def slot(self, test: "_Test", key: str | None = None) -> int:
        key = key if key is not None else _test_key(test)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = len(self.tests)
            self.tests.append(test)
            self._keys.append(key)
            self._by_field.setdefault(test.field, []).append(slot)
        return slot

    def codes(self, facts: dict, slots=None, base: list[int] | None = None, names=None) -> list[int]:
        """Every test's code for these facts (only `slots` when given; only the tests of the fields `names`,
        on top of `base`, when working out one combination of several possible values)."""
        codes = list(base) if base is not None else [1] * len(self.tests)
        tests = self.tests
        for name, members in self._by_field.items():
            if (names is not None and name not in names) or facts.get(name) is None:
                continue
            for slot in members if slots is None else (s for s in members if s in slots):
                codes[slot] = _CODE[tests[slot].value(facts)]
        return codes

    def family(self, facts: dict, labels: Labels | None = None, slots=None) -> "Family":
        return Family(self, facts, labels or _NO_LABELS, slots)

    def message(self, slot: int, facts: dict, labels: Labels) -> str:
        test = self.tests[slot]
        actual = facts.get(test.field)
        # Set facts are not named in the message, so one message serves them all; OneOf facts are named.
        shown = actual if isinstance(actual, OneOf) or not isinstance(actual, frozenset) else None
        key = (self._keys[slot], shown)
        message = labels.messages.get(key)
        if message is None:
            message = labels.remember(key, failure_message(test.test, test.negated, facts, labels))
        return message


class _World:
    """One family's facts (or one combination of the values of its OneOf facts) with every test's code."""

    __slots__ = ("facts", "codes", "_messages")

    def __init__(self, facts: dict, codes: list[int]):
        self.facts, self.codes, self._messages = facts, codes, {}

    def reasons(self, rules: RuleSet, labels: Labels, slots: tuple, positions: list[int], into: list[str]) -> None:
        messages = self._messages
        for position in positions:
            slot = slots[position]
            message = messages.get(slot)
            if message is None:
                message = messages[slot] = rules.message(slot, self.facts, labels)
            into.append(message)


class Family:
    """A family's facts evaluated against a rule set: made once, then asked about each rule."""

    def __init__(self, rules: RuleSet, facts: dict, labels: Labels, slots=None):
        self.rules, self.labels, self._slots = rules, labels, slots
        self.world = _World(facts, rules.codes(facts, slots))
        # The facts known only to be one of several values (a postcode that straddles districts, an age in years
        # for a rule on months), each with its possible values.
        self.possible = {name: sorted(value, key=str) for name, value in facts.items() if isinstance(value, OneOf)}
        self._worlds: list[_World] | None = None

    def worlds(self) -> list[_World]:
        """Every combination of the possible values of the OneOf facts (none when one has no possible value)."""
        if self._worlds is None:
            possible, facts = self.possible, self.world.facts
            if not possible or not all(possible.values()):
                self._worlds = []
            else:
                self._worlds = []
                for chosen in itertools.product(*possible.values()):
                    world = {**facts, **dict(zip(possible, chosen, strict=True))}
                    codes = self.rules.codes(world, self._slots, self.world.codes, possible)
                    self._worlds.append(_World(world, codes))
        return self._worlds


_GROUP = {True: ("min", 2), False: ("max", 0)}  # all: the smallest code (2 when empty); any: the largest (0)


def _shape(node, path: tuple, tests: list, groups: list[str], explain: list[str]) -> str:
    """Add the lines that work out the node's code (its parts' first) and list the tests that explain it;
    returns the name holding the code. Tests are numbered left to right, as `a0`, `a1` ...; groups `g0` ...

    A test explains the rule's code r when its code, and every group's between it and the top, is r."""
    if isinstance(node, _Test):
        name = f"a{len(tests)}"
        tests.append(node)
        conditions = [f"{group} == r" for group in path[1:]] + ([f"{name} == r"] if path else [])
        explain.append(f"    if {' and '.join(conditions)}:" if conditions else "    if True:")
        explain.append(f"        out.append({len(tests) - 1})")
        return name
    name = f"g{len(groups)}"
    groups.append("")  # holds the name's number: a group's parts come before it in the lines
    parts = [_shape(part, (*path, name), tests, groups, explain) for part in _flat(node)]
    function, empty = _GROUP[not isinstance(node, _Any)]
    groups.append(f"    {name} = {function}({', '.join(parts)})" if len(parts) > 1 else
                  f"    {name} = {parts[0] if parts else empty}")
    return name


def _flat(node):
    """The node's parts, with the parts of a part of the same kind in its place: all(a, all(b, c)) is all(a, b, c),
    in its value and in the tests that explain it (so more rules share a shape)."""
    for part in node.parts:
        if type(part) is type(node):
            yield from _flat(part)
        else:
            yield part


@functools.lru_cache(maxsize=20_000)
def _function(source: str):
    namespace: dict = {}
    exec(compile(source, "<rule>", "exec"), namespace)  # noqa: S102 (only names and numbers; no rule values)
    return namespace["run"]


def _runner(root) -> tuple:
    """(the function of the rule's test codes, its tests in order). The function gives the rule's code and,
    unless it is 2 or not asked for, the positions of the tests that explain it."""
    tests: list[_Test] = []
    groups: list[str] = []
    explain: list[str] = []
    top = _shape(root, (), tests, groups, explain)
    body = [line for line in groups if line]
    unpack = f"    {', '.join(f'a{i}' for i in range(len(tests)))}, = t" if tests else "    pass"
    source = "\n".join([
        "def run(t, explain=True):", unpack, *body, f"    r = {top}", "    if r == 2 or not explain:",
        "        return r, None", "    out = []",
        *explain, "    return r, out",
    ])
    return _function(source), tests


# Each rule's plan, by the rule's text: a directory reloaded after one listing changes has the same rules again.
_PLANS: dict[str, tuple] = {}
_PLANS_KEPT = 20_000


def _plan(rule: dict) -> tuple:
    """(the rule's function, its tests in order with their keys, the positions of its gates)."""
    text = repr(rule)  # exact: a list is not a tuple, True is not 1
    plan = _PLANS.get(text)
    if plan is None:
        # The tree checks the rule and works out each test; made from a copy, as the plan outlives this rule.
        root = _compile(copy.deepcopy(rule), False)
        run, tests = _runner(root)
        # A rule that is all(...) is false as soon as one of its own tests is (an age range, the areas): checked
        # first, the rest of the rule is only worked out if its reasons are wanted.
        top = root.parts if type(root) is _All else []
        gates = tuple(tests.index(part) for part in top if isinstance(part, _Test))
        plan = (run, tuple((test, _test_key(test)) for test in tests), gates)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.clear()
        _PLANS[text] = plan
    return plan


class CompiledRule:
    __slots__ = ("rule", "rules", "_run", "_slots", "_own", "_gather", "_gates")

    def __init__(self, rule: dict, rules: RuleSet | None = None):
        self.rule = rule
        self.rules = rules if rules is not None else RuleSet()
        self._run, tests, gates = _plan(rule)
        self._slots = tuple(self.rules.slot(test, key) for test, key in tests)
        self._gates = tuple(self._slots[position] for position in gates)
        self._own = frozenset(self._slots)
        if len(self._slots) > 1:
            self._gather = operator.itemgetter(*self._slots)
        else:
            self._gather = (lambda codes, slot=self._slots[0]: (codes[slot],)) if self._slots else (lambda codes: ())

    def family(self, facts: dict, labels: Labels | None = None) -> Family:
        # Only this rule's tests, when its set is shared with other rules.
        shared = len(self.rules.tests) > len(self._own)
        return self.rules.family(facts, labels, self._own if shared else None)

    def value(self, facts: dict):
        """True, False or None (unknown)."""
        return _VALUE[self.decide(self.family(facts))[0]]

    def decide(self, family: Family) -> tuple[int, int, list[int] | None]:
        """For a family made from this rule's set (RuleSet.family): (the rule's code, its code in the family's own
        facts, the positions of the tests that explain that), to give to `explain` when the reasons are wanted."""
        codes = family.world.codes
        for slot in self._gates:
            if codes[slot] == 0:
                return 0, 0, None
        first, positions = self._run(self._gather(codes))
        if first == 1 and family.possible:
            return self._in_every_world(family)[0], first, positions
        return first, first, positions

    def _in_every_world(self, family: Family):
        """(the code, [(world, the positions of the tests that explain it)]) when every combination of the OneOf
        facts' values gives the same known answer, else (1, []). Each test alone already handles a OneOf fact;
        this also settles rules that test it twice, such as any(district is A, district is B) for a postcode in
        A or B."""
        answers = [(world, self._run(self._gather(world.codes))) for world in family.worlds()]
        codes = {answer[0] for _world, answer in answers}
        if len(codes) == 1 and 1 not in codes:
            return codes.pop(), [(world, answer[1]) for world, answer in answers]
        return 1, []

    def explain(self, family: Family, decided: tuple) -> tuple[list[str], list[str]]:
        """(why the rule is false, the fields it needs when unknown) from what `decide` gave; both empty when true."""
        code, first, positions = decided
        if code == 2:
            return [], []
        if positions is None:  # decided by a gate: find every test that explains it
            positions = self._run(self._gather(family.world.codes))[1]
        if code == 1:
            tests, slots = self.rules.tests, self._slots
            return [], list(dict.fromkeys([tests[slots[p]].field for p in positions]))
        # False in the family's own facts, or in every combination of its OneOf facts' values.
        explained = [(family.world, positions)] if first == 0 else self._in_every_world(family)[1]
        reasons: list[str] = []
        for world, positions in explained:
            world.reasons(self.rules, family.labels, self._slots, positions, reasons)
        return list(dict.fromkeys(reasons)), []

    def outcome(self, family: Family) -> Outcome:
        decided = self.decide(family)
        return Outcome(_OUTCOMES[decided[0]], *self.explain(family, decided))

    def evaluate(self, facts: dict, labels: Labels | None = None) -> Outcome:
        return self.outcome(self.family(facts, labels))


def compile_rule(rule: dict, rules: RuleSet | None = None) -> CompiledRule:
    """The rule ready to evaluate; give `rules` to share its tests with the other rules of a directory."""
    return CompiledRule(rule, rules)


def evaluate(rule: dict, facts: dict, labels: Labels | None = None) -> Outcome:
    return CompiledRule(rule).evaluate(facts, labels)


def needs_diagnosis(rule: dict | None) -> bool:
    """Whether only a child with a diagnosis can meet the rule: with no diagnosis and nothing else known, the rule
    is already not met (a service for children with a diagnosed hearing loss, not one that also takes children
    whose families or professionals suspect a need)."""
    return bool(rule) and evaluate(rule, {"diagnoses": frozenset()}).outcome == NOT_ELIGIBLE
