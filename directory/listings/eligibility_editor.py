"""The eligibility editor: a lead's form answers as a listing's age range, areas, referrers and rule, and back.

The forms express one shape of rule: "all of" an EHC plan test, "in education", "not looked after", diagnoses
and suspected conditions that rule a child out, and one "who it is for" group (needs, areas of need, diagnoses,
suspected conditions: any of them). Any other rule is shown read-only; an admin changes it through the import.
"""

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory import places
from directory.data.taxonomy import list_terms
from directory.listings import writer
from directory.models import District, LocalAuthority
from directory.models import TaxonomyTerm as Term
from directory.models.taxonomy import CONDITIONS, NEED_AREAS, REFERRER_ROLES, SEN_TYPES
from directory.rules import Labels, Outcome, RuleError, describe_rule, evaluate, validate_rule
from directory.rules.explain import EHCP_STATUSES
from directory.rules.fields import EHCP_VALUES, MISSING_QUESTIONS
from directory.seed.known import known_from_database

SECTION = "eligibility"
LISTING_FIELDS = ("min_age", "max_age", "areas", "referrers")
FIELDS = (*LISTING_FIELDS, "eligibility")
OLDEST = 120
MESSAGE_LIMIT = 500

# The "who it is for" group: the child needs at least one of these (one field each, all has_any).
FOR_FIELDS = ("needs", "need_areas", "diagnoses", "suspected")
# EHC plan options: the statuses each allows ("any" adds no test).
EHCP_OPTIONS = {
    "any": EHCP_STATUSES,
    "in_place": frozenset({"in_place"}),
    "requested_or_in_place": frozenset({"requested", "in_place"}),
    "not_in_place": frozenset({"none", "requested"}),
    "none": frozenset({"none"}),
}
EHCP_LABELS = {
    "any": "Any child, with or without an EHC plan",
    "in_place": "Only children who have an EHC plan",
    "requested_or_in_place": "Only children who have an EHC plan or have asked for one",
    "not_in_place": "Only children who do not have an EHC plan (asking for one is fine)",
    "none": "Only children who do not have an EHC plan and have not asked for one",
}


class NotExpressible(ValueError):
    """The rule has a shape the forms cannot show; an admin changes it through the import format."""


def empty_answers() -> dict:
    return {
        "needs": [], "need_areas": [], "diagnoses": [], "suspected": [], "for_message": "",
        "ehcp": "any", "ehcp_message": "",
        "in_education": False, "in_education_message": "",
        "not_looked_after": False, "not_looked_after_message": "",
        "not_diagnosed": [], "not_diagnosed_message": "",
        "not_suspected": [], "not_suspected_message": "",
    }


def _test(field_name: str, op: str, value=None, message: str = "") -> dict:
    test = {"field": field_name, "op": op}
    if value is not None:
        test["value"] = value
    if message and message.strip():
        test["message"] = message.strip()
    return test


def rule_from_answers(answers: dict) -> dict | None:
    """The rule the answers describe (None when they set no condition beyond age and areas)."""
    a = {**empty_answers(), **answers}
    parts = []
    statuses = EHCP_OPTIONS[a["ehcp"]]
    if statuses != EHCP_STATUSES:
        ordered = [s for s in EHCP_VALUES if s in statuses]
        others = [s for s in EHCP_VALUES if s not in statuses]
        if len(ordered) == 1:
            parts.append(_test("ehcp", "eq", ordered[0], a["ehcp_message"]))
        elif len(others) == 1:
            parts.append(_test("ehcp", "ne", others[0], a["ehcp_message"]))
        else:
            parts.append(_test("ehcp", "in", ordered, a["ehcp_message"]))
    if a["in_education"]:
        parts.append(_test("in_education", "is_true", message=a["in_education_message"]))
    if a["not_looked_after"]:
        parts.append(_test("looked_after", "is_false", message=a["not_looked_after_message"]))
    if a["not_diagnosed"]:
        parts.append(_test("diagnoses", "has_none", list(a["not_diagnosed"]), a["not_diagnosed_message"]))
    if a["not_suspected"]:
        parts.append(_test("suspected", "has_none", list(a["not_suspected"]), a["not_suspected_message"]))
    group = [_test(name, "has_any", list(a[name]), a["for_message"]) for name in FOR_FIELDS if a[name]]
    if len(group) == 1:
        parts.append(group[0])
    elif group:
        parts.append({"any": group})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}


def answers_from_rule(rule: dict | None) -> dict:
    """The form answers for a rule; raises NotExpressible for a rule the forms cannot show."""
    answers = empty_answers()
    if not rule:
        return answers
    parts = rule["all"] if isinstance(rule, dict) and set(rule) == {"all"} else [rule]
    seen: set[str] = set()

    def once(name: str):
        if name in seen:
            raise NotExpressible(f"the rule tests {name} twice")
        seen.add(name)

    for part in parts:
        if not isinstance(part, dict):
            raise NotExpressible("the rule is not an object")
        if set(part) == {"any"}:
            _read_group(part["any"], answers, once)
            continue
        if not {"field", "op"} <= set(part) or not set(part) <= {"field", "op", "value", "message"}:
            raise NotExpressible("the rule has a condition the forms cannot show")
        name, op, value, message = part["field"], part["op"], part.get("value"), part.get("message", "")
        if name in FOR_FIELDS and op == "has_any":
            _read_group([part], answers, once)
        elif name == "ehcp" and op in ("eq", "ne", "in", "not_in"):
            once("ehcp")
            listed = frozenset(value if isinstance(value, list) else [value])
            statuses = listed if op in ("eq", "in") else EHCP_STATUSES - listed
            option = next((key for key, allowed in EHCP_OPTIONS.items() if allowed == statuses), None)
            if option is None or option == "any":
                raise NotExpressible("the EHC plan condition is not one the form offers")
            answers["ehcp"], answers["ehcp_message"] = option, message
        elif name == "in_education" and op == "is_true":
            once(name)
            answers["in_education"], answers["in_education_message"] = True, message
        elif name == "looked_after" and op == "is_false":
            once(name)
            answers["not_looked_after"], answers["not_looked_after_message"] = True, message
        elif name in ("diagnoses", "suspected") and op == "has_none":
            key = f"not_{'diagnosed' if name == 'diagnoses' else 'suspected'}"
            once(key)
            answers[key], answers[f"{key}_message"] = list(value), message
        else:
            raise NotExpressible(f"the forms cannot show a {name} {op} condition")
    return answers


def _read_group(tests: list, answers: dict, once) -> None:
    once("who it is for")
    messages = set()
    for test in tests:
        if not (isinstance(test, dict) and set(test) <= {"field", "op", "value", "message"}
                and test.get("field") in FOR_FIELDS and test.get("op") == "has_any"):
            raise NotExpressible("the rule has an 'any of' group the forms cannot show")
        if answers[test["field"]]:
            raise NotExpressible(f"the rule tests {test['field']} twice")
        answers[test["field"]] = list(test["value"])
        messages.add(test.get("message", ""))
    if len(messages) > 1:
        raise NotExpressible("the 'who it is for' conditions have different messages")
    answers["for_message"] = messages.pop() if messages else ""


# --- the listing's section ------------------------------------------------------------------------------------


@dataclass
class Section:
    """A listing's eligibility section as the editor shows it."""

    entry: dict  # min_age, max_age, areas, referrers, eligibility as the listing has them now
    answers: dict  # the form answers (the rule's part empty when it is read-only)
    editable: bool  # False: the rule is shown read-only, and only age, areas and referrers can change
    reason: str = ""


def current_section(session: Session, service_id: uuid.UUID) -> Section | None:
    entry = writer.service_entry(session, service_id)
    if entry is None:
        return None
    current = {name: entry.get(name) for name in FIELDS}
    current["areas"], current["referrers"] = list(entry.get("areas") or []), list(entry.get("referrers") or [])
    listing = {name: current[name] for name in LISTING_FIELDS}
    try:
        return Section(current, {**listing, **answers_from_rule(current["eligibility"])}, True)
    except NotExpressible as why:
        return Section(current, {**listing, **empty_answers()}, False, str(why))


def changes_from_answers(section: Section, answers: dict) -> dict:
    """The import-format fields these answers change (the rule only when the forms may edit it)."""
    changes = {name: answers[name] for name in ("min_age", "max_age") if answers[name] != section.entry[name]}
    for name in ("areas", "referrers"):  # the order of ticked boxes is no change
        if sorted(answers[name]) != sorted(section.entry[name] or []):
            changes[name] = list(answers[name])
    # The same conditions in another order (a file's rule may order them differently) are no change either.
    if section.editable and answers_from_rule(section.entry["eligibility"]) != {**empty_answers(), **{
            name: answers[name] for name in empty_answers()}}:
        changes["eligibility"] = rule_from_answers(answers)
    return changes


@dataclass
class Choices:
    """The codes each question offers, with their names, in the directory's order."""

    districts: list[tuple[str, str]]
    needs: list[tuple[str, str]]
    need_areas: list[tuple[str, str]]
    conditions: list[tuple[str, str]]
    referrers: list[tuple[str, str]]
    need_area_of: dict[str, str] = field(default_factory=dict)  # SEN type code -> its area of need
    local_authority_of: dict[str, str] = field(default_factory=dict)  # district slug -> local authority slug

    def labels(self) -> Labels:
        return Labels({
            "district": dict(self.districts), "needs": dict(self.needs), "need_areas": dict(self.need_areas),
            "diagnoses": dict(self.conditions), "suspected": dict(self.conditions),
            "referrer_role": dict(self.referrers),
        })


def choices(session: Session) -> Choices:
    def pairs(slug):
        return [(t.code, t.name) for t in list_terms(session, slug)]

    codes = dict(session.exec(select(Term.id, Term.code)).all())
    authorities = dict(session.exec(select(District.slug, LocalAuthority.slug)
                                    .join(LocalAuthority, LocalAuthority.id == District.local_authority_id)).all())
    return Choices(
        districts=[(d.slug, d.name) for d in places.list_districts(session)],
        needs=pairs(SEN_TYPES), need_areas=pairs(NEED_AREAS), conditions=pairs(CONDITIONS),
        referrers=pairs(REFERRER_ROLES),
        need_area_of={t.code: codes.get(t.parent_id) for t in list_terms(session, SEN_TYPES) if t.parent_id},
        local_authority_of=authorities,
    )


def vocabulary(session: Session) -> dict[str, set[str]]:
    """The codes a rule may use: the same vocabulary the import checks rules with."""
    known = known_from_database(session)
    terms = known.terms
    return {
        "district": known.districts, "local_authority": known.local_authorities,
        "needs": terms.get(SEN_TYPES, set()), "need_areas": terms.get(NEED_AREAS, set()),
        "diagnoses": terms.get(CONDITIONS, set()), "suspected": terms.get(CONDITIONS, set()),
        "referrer_role": terms.get(REFERRER_ROLES, set()),
    }


def check_answers(answers: dict, known: dict[str, set[str]]) -> dict[str, str]:
    """Problems with the answers, by form field, in GOV.UK words (empty when the rule may be saved)."""
    problems: dict[str, str] = {}
    low, high = answers.get("min_age"), answers.get("max_age")
    for name, value, word in (("min_age", low, "youngest"), ("max_age", high, "oldest")):
        if value is None:
            problems[name] = f"Enter the {word} age the service is for"
        elif not 0 <= value <= OLDEST:
            problems[name] = f"The {word} age must be from 0 to {OLDEST}"
    if "min_age" not in problems and "max_age" not in problems and high < low:
        problems["max_age"] = "The oldest age must be the same as or more than the youngest age"
    if not answers.get("areas"):
        problems["areas"] = "Select at least one district the service covers"
    elif not set(answers["areas"]) <= known["district"]:
        problems["areas"] = "Select districts from the list"
    if not set(answers.get("referrers") or []) <= known["referrer_role"]:
        problems["referrers"] = "Select who can refer from the list"
    clash = set(answers.get("diagnoses") or []) & set(answers.get("not_diagnosed") or [])
    if clash:
        problems["not_diagnosed"] = "A diagnosis cannot both make a child eligible and rule them out"
    clash = set(answers.get("suspected") or []) & set(answers.get("not_suspected") or [])
    if clash:
        problems["not_suspected"] = "A condition cannot both make a child eligible and rule them out"
    for name in ("for_message", "ehcp_message", "in_education_message", "not_looked_after_message",
                 "not_diagnosed_message", "not_suspected_message"):
        if len(answers.get(name) or "") > MESSAGE_LIMIT:
            problems[name] = f"What families are told must be {MESSAGE_LIMIT} characters or fewer"
    if answers.get("ehcp", "any") not in EHCP_OPTIONS:
        problems["ehcp"] = "Select which children the service is for, by EHC plan"
    rule = None if problems else rule_from_answers(answers)
    if rule is not None:
        try:
            validate_rule(rule, vocabulary=known)
        except RuleError as error:
            # The forms offer only known codes, so this is a value sent by hand: say so plainly.
            problems["rule"] = "The rule could not be saved: " + "; ".join(error.problems)
    return problems


# --- "Try it": a sample child against the edited rule -----------------------------------------------------------


def effective_rule(answers: dict, rule: dict | None) -> dict:
    """Age range AND areas AND the service's own rule, as the router evaluates it."""
    parts = [{"field": "age", "op": "between", "value": [answers["min_age"], answers["max_age"]]},
             {"field": "district", "op": "in", "value": sorted(answers["areas"])}]
    if rule:
        parts.append(rule)
    return {"all": parts}


def sample_facts(sample: dict, found: Choices) -> dict:
    """A sample child's facts as the router sees them; a question left unanswered is not known."""
    facts: dict = {}
    if sample.get("age") is not None:
        facts["age"] = sample["age"]
    if sample.get("district"):
        facts["district"] = sample["district"]
        authority = found.local_authority_of.get(sample["district"])
        if authority:
            facts["local_authority"] = authority
    # Needs and conditions left unticked are none (the age, district and yes/no questions can be "not known").
    needs = sample.get("needs") or []
    facts["needs"] = frozenset(needs)
    facts["need_areas"] = frozenset(found.need_area_of[c] for c in needs if found.need_area_of.get(c))
    for name in ("diagnoses", "suspected"):
        facts[name] = frozenset(sample.get(name) or [])
    if sample.get("ehcp") in EHCP_VALUES:
        facts["ehcp"] = sample["ehcp"]
    for name in ("in_education", "looked_after"):
        if sample.get(name) in ("yes", "no"):
            facts[name] = sample[name] == "yes"
    return facts


@dataclass
class Trial:
    outcome: Outcome
    questions: list[str]  # what we would need to know, in plain English


def try_rule(answers: dict, rule: dict | None, sample: dict, found: Choices) -> Trial:
    outcome = evaluate(effective_rule(answers, rule), sample_facts(sample, found), found.labels())
    return Trial(outcome, [MISSING_QUESTIONS.get(name, name) for name in outcome.missing])


def describe(answers: dict, rule: dict | None, found: Choices) -> dict:
    """The whole rule (age, areas and the service's own) as plain-English lines for templates/components/rule.html."""
    return describe_rule(effective_rule(answers, rule), found.labels())


# --- saving: a change request for an admin ------------------------------------------------------------------------


def request_eligibility_change(session: Session, user_id: uuid.UUID, roles: set[str], service_id: uuid.UUID,
                               changes: dict) -> list:
    """Queue the changed fields as change requests (nothing public changes until an admin approves), each
    committed by change_requests.request_change. The rule is checked with the import's vocabulary first: an
    invalid rule is never queued. Fields of another section (the age range and areas belong to "Who it is for"
    unless the eligibility section lists them) go in a request of their own."""
    from directory.listings import change_requests

    if changes.get("eligibility") is not None:
        validate_rule(changes["eligibility"], vocabulary=vocabulary(session))
    by_section: dict[str, dict] = {}
    for name, value in changes.items():
        section = SECTION if name in change_requests.SECTIONS[SECTION].fields else next(
            part.name for part in change_requests.SECTIONS.values() if name in part.fields)
        by_section.setdefault(section, {})[name] = value
    ordered = sorted(by_section, key=lambda name: name != SECTION)  # the eligibility request first
    return [change_requests.request_change(session, user_id, roles, service_id, name, by_section[name])
            for name in ordered]
