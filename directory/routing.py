"""Routing: one family record in; every active service's outcome, reasons, who can refer and suggestions out.

The one implementation of eligibility that the CLI, the public checker, search and referrals all call.
"""

import gc
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from directory import places, reference_cache
from directory.data.taxonomy import list_terms, term_names
from directory.listings.revision import directory_revision
from directory.models import District, LocalAuthority, Service, ServiceArea, ServiceAttribute, ServiceRelation
from directory.models import TaxonomyTerm as Term
from directory.models.taxonomy import CONDITIONS, NEED_AREAS, REFERRER_ROLES, SEN_TYPES
from directory.postcodes import PostcodeError
from directory.rules import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Labels, OneOf, compile_rule
from directory.rules.evaluate import CompiledRule, RuleSet
from directory.rules.fields import EHCP_VALUES

ORDER = {ELIGIBLE: 0, UNKNOWN: 1, NOT_ELIGIBLE: 2}
OUTCOMES = (NOT_ELIGIBLE, UNKNOWN, ELIGIBLE)  # by a rule's code
# Relations that offer another way when a service says no.
ALTERNATIVES = ("alternative_to", "cross_border_equivalent")


class RecordError(ValueError):
    """A family record that cannot be read; `field` names where (e.g. "child.date_of_birth")."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass
class Facts:
    """What the rules read (absent keys are unknown) and what was worked out from the record."""

    as_of: date
    values: dict
    derived: dict
    # The districts a postcode that straddles districts may be in (slugs); the rules read them as OneOf.
    possible_districts: list[str] = field(default_factory=list)


# --- reading a family record ---------------------------------------------------------------------------------


def _date(value, field_name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RecordError(field_name, f"{value!r} is not a date in the form YYYY-MM-DD") from None


def age_on(born: date, on: date) -> int:
    """Whole years completed: someone born on 29 February turns a year older on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_on(born: date, on: date) -> int:
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)


def _codes(child: dict, key: str, known: set[str], what: str) -> frozenset | None:
    if key not in child or child[key] is None:
        return None
    values = child[key]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RecordError(f"child.{key}", "must be a list of codes")
    unknown = sorted(set(values) - known)
    if unknown:
        raise RecordError(f"child.{key}", f"{', '.join(map(repr, unknown))} is not a known {what}")
    return frozenset(values)


def _bool(child: dict, key: str) -> bool | None:
    value = child.get(key)
    if value is not None and not isinstance(value, bool):
        raise RecordError(f"child.{key}", "must be true or false")
    return value


def read_record(session: Session, record: dict, today: date | None = None) -> Facts:
    """Check a family record and work out the facts the rules read. Raises RecordError naming the field."""
    if not isinstance(record, dict):
        raise RecordError("record", "must be a JSON object")
    as_of = _date(record["as_of"], "as_of") if record.get("as_of") else (today or date.today())
    child = record.get("child") or {}
    if not isinstance(child, dict):
        raise RecordError("child", "must be an object")
    referrer = record.get("referrer") or {}
    vocab = _vocabulary(session)
    values: dict = {}
    derived: dict = {"age": None, "district": None, "local_authority": None, "need_areas": None}

    if child.get("date_of_birth"):
        born = _date(child["date_of_birth"], "child.date_of_birth")
        if born > as_of:
            raise RecordError("child.date_of_birth", f"{born} is after {as_of}")
        values["age"] = derived["age"] = age_on(born, as_of)
        values["age_months"] = months_on(born, as_of)
    elif child.get("age") is not None:
        # An age alone (the public checker asks for it when a family would rather not give a date of birth).
        if not isinstance(child["age"], int) or isinstance(child["age"], bool) or not 0 <= child["age"] <= 120:
            raise RecordError("child.age", "must be a whole number of years")
        values["age"] = derived["age"] = child["age"]
        months = child.get("months")
        if months is not None:
            if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= 11:
                raise RecordError("child.months", "must be a whole number of months from 0 to 11")
            values["age_months"] = child["age"] * 12 + months
        else:
            # A rule on months is still decided when every month of that year of age gives the same answer.
            values["age_months"] = OneOf(range(child["age"] * 12, child["age"] * 12 + 12))

    districts = _districts(session, child)
    possible: list[str] = []
    if len(districts) == 1:
        values["district"] = derived["district"] = districts[0].slug
    elif districts:
        # A postcode that straddles districts: each rule is decided if every district gives the same answer.
        possible = [d.slug for d in districts]
        values["district"] = OneOf(possible)
    authorities = sorted({session.get(LocalAuthority, d.local_authority_id).slug for d in districts})
    if len(authorities) == 1:
        values["local_authority"] = derived["local_authority"] = authorities[0]
    elif authorities:
        values["local_authority"] = OneOf(authorities)

    needs = _codes(child, "needs", set(vocab["needs"]), "need code")
    if needs is not None:
        values["needs"] = needs
        values["need_areas"] = frozenset(vocab["needs"][code] for code in needs if vocab["needs"][code])
        derived["need_areas"] = sorted(values["need_areas"])
    for key in ("diagnoses", "suspected"):
        codes = _codes(child, key, vocab["conditions"], "condition")
        if codes is not None:
            values[key] = codes
    if child.get("ehcp") is not None:
        if child["ehcp"] not in EHCP_VALUES:
            raise RecordError("child.ehcp", f"must be one of {', '.join(EHCP_VALUES)}")
        values["ehcp"] = child["ehcp"]
    if child.get("school_year") is not None:
        year = child["school_year"]
        if not isinstance(year, int) or isinstance(year, bool) or not -1 <= year <= 14:
            raise RecordError("child.school_year", "must be a whole number from 0 (reception) to 14")
        values["school_year"] = year
    for key in ("looked_after", "in_education"):
        flag = _bool(child, key)
        if flag is not None:
            values[key] = flag
    role = referrer.get("role") if isinstance(referrer, dict) else None
    if role is not None:
        if role not in vocab["roles"]:
            raise RecordError("referrer.role", f"{role!r} is not a known role")
        values["referrer_role"] = role
    return Facts(as_of=as_of, values=values, derived=derived, possible_districts=possible)


def _districts(session: Session, child: dict) -> list[District]:
    """The district given, or those the postcode (or outward code) may be in: one, several when it straddles
    districts, none when it is not covered or not given."""
    given = child.get("district")
    if given:
        district = places.get_district(session, given)
        if district is None:
            raise RecordError("child.district", f"{given!r} is not a known district")
    else:
        district = None
    if child.get("postcode"):
        try:
            lookup = places.resolve_postcode(session, child["postcode"])
        except PostcodeError as error:
            raise RecordError("child.postcode", str(error)) from None
        if district is None:
            return lookup.districts
        if lookup.districts and district.slug not in {d.slug for d in lookup.districts}:
            raise RecordError("child.district", f"{given!r} does not contain the postcode {lookup.postcode}")
    return [district] if district is not None else []


def _vocabulary(session: Session) -> dict:
    by_id = dict(session.exec(select(Term.id, Term.code)).all())
    return {
        "needs": {t.code: by_id.get(t.parent_id) for t in list_terms(session, SEN_TYPES)},
        "conditions": {t.code for t in list_terms(session, CONDITIONS)},
        "roles": {t.code for t in list_terms(session, REFERRER_ROLES)},
    }


# --- the directory as the router sees it ---------------------------------------------------------------------


@dataclass
class RoutedService:
    id: uuid.UUID
    name: str
    rule: CompiledRule
    referrers: list[str]
    relations: list[tuple[str, uuid.UUID]]  # (relation type, other service), both directions for symmetric ones
    ages: tuple[int, int] = (0, 120)
    rule_without_ages: dict | None = None  # the areas and the service's own rule, compiled only when asked
    _compiled_without_ages: CompiledRule | None = field(default=None, repr=False)

    def without_ages(self) -> CompiledRule:
        if self._compiled_without_ages is None:
            self._compiled_without_ages = compile_rule(self.rule_without_ages or {"all": []})
        return self._compiled_without_ages


@dataclass
class RoutingDirectory:
    services: list[RoutedService]
    labels: Labels
    version: tuple
    # Worked out once: the services' positions in the order results are shown (by name, ignoring case), and
    # (position, [(relation type, the other's position)]) for each service related to others in the directory.
    by_name: list[int] = field(init=False, repr=False)
    related: list[tuple[int, list[tuple[str, int]]]] = field(init=False, repr=False)

    def __post_init__(self):
        self.by_name = sorted(range(len(self.services)), key=lambda i: self.services[i].name.casefold())
        position = {service.id: i for i, service in enumerate(self.services)}
        related = ((i, [(relation, position[other]) for relation, other in service.relations if other in position])
                   for i, service in enumerate(self.services))
        self.related = [(i, pairs) for i, pairs in related if pairs]


def effective_rule(service: Service, district_slugs: list[str]) -> dict:
    """Age range AND areas AND the service's own rule."""
    parts = [
        {"field": "age", "op": "between", "value": [service.minimum_age, service.maximum_age]},
        {"field": "district", "op": "in", "value": sorted(district_slugs)},
    ]
    if service.eligibility:
        parts.append(service.eligibility)
    return {"all": parts}


def load_directory(session: Session) -> RoutingDirectory:
    version = directory_revision(session)
    services = session.exec(select(Service).where(Service.status == "active").order_by(Service.name)).all()
    areas: dict = {}
    for service_id, slug in session.exec(
        select(ServiceArea.service_id, District.slug).join(District, District.id == ServiceArea.district_id)
    ):
        areas.setdefault(service_id, []).append(slug)
    referrers: dict = {}
    for service_id, code in session.exec(
        select(ServiceAttribute.service_id, Term.code)
        .join(Term, Term.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.link_type == "referrer")
        .order_by(Term.position)
    ):
        referrers.setdefault(service_id, []).append(code)
    relations: dict = {}
    for relation in session.exec(select(ServiceRelation).order_by(ServiceRelation.position)):
        relations.setdefault(relation.service_id, []).append((relation.relation_type, relation.related_service_id))
        if relation.relation_type == "cross_border_equivalent":
            relations.setdefault(relation.related_service_id, []).append(
                (relation.relation_type, relation.service_id))
    routed = []
    rules = RuleSet()  # the services' rules share their tests: each is worked out once per family
    for s in services:
        rule = effective_rule(s, areas.get(s.id, []))
        routed.append(RoutedService(s.id, s.name, compile_rule(rule, rules), referrers.get(s.id, []),
                                    relations.get(s.id, []), ages=(s.minimum_age, s.maximum_age),
                                    rule_without_ages={"all": rule["all"][1:]}))
    return RoutingDirectory(routed, labels(session), version)


def labels(session: Session) -> Labels:
    return Labels({
        "district": {d.slug: d.name for d in places.list_districts(session)},
        "local_authority": {la.slug: la.short_name for la in places.list_local_authorities(session)},
        "needs": term_names(session, (SEN_TYPES,)),
        "need_areas": term_names(session, (NEED_AREAS,)),
        "diagnoses": term_names(session, (CONDITIONS,)),
        "suspected": term_names(session, (CONDITIONS,)),
        "referrer_role": term_names(session, (REFERRER_ROLES,)),
    })


class DirectoryCache:
    """The compiled directory, kept until the directory revision changes (directory.reference_cache's keeping, one
    revision read per request); an instance of its own, so that a test or a command may hold one outside an app."""

    def __init__(self):
        self._kept = reference_cache.ReferenceCache()

    def get(self, session: Session) -> RoutingDirectory:
        return self._kept.get("routing-directory", reference_cache.revision(session), session, _load_for_keeps)


def _load_for_keeps(session: Session) -> RoutingDirectory:
    directory = load_directory(session)
    # The compiled rules live as long as the process: keep the garbage collector from rescanning them (at 10,000
    # services a full collection otherwise costs more than routing a family).
    gc.freeze()
    return directory


def cached_labels(session: Session) -> Labels:
    """labels(session), shared by every request until the directory revision changes: read it only."""
    return reference_cache.cached("routing-labels", session, labels)


# --- routing -------------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    service_id: uuid.UUID
    relation: str
    outcome: str


class ServiceResult:
    """One service's outcome for a family. Its reasons and missing fields are written when first read: a page
    that shows only outcomes (search's "not for your child") never pays for the plain English."""

    # A directory's worth of these is made for every family, so each holds as few objects as it can (fewer for
    # the garbage collector to follow): what the rule decided is kept as it came, suggestions made when first added.
    __slots__ = ("service_id", "name", "outcome", "can_refer", "referral_routes", "_suggestions", "_reasons",
                 "_missing", "_rule", "_family", "_decided")

    def __init__(self, service_id: uuid.UUID, name: str, outcome: str, reasons: list[str] | None = None,
                 missing: list[str] | None = None, can_refer: bool = False, referral_routes: list[str] | None = None,
                 suggestions: list[Suggestion] | None = None):
        self.service_id, self.name, self.outcome, self.can_refer = service_id, name, outcome, can_refer
        self.referral_routes = referral_routes if referral_routes is not None else []
        self._suggestions, self._reasons, self._missing = suggestions, reasons, missing
        self._rule = self._family = self._decided = None

    def _worked_out(self) -> None:
        if self._rule is not None:
            self._reasons, self._missing = self._rule.explain(self._family, self._decided)
            self._rule = self._family = self._decided = None
        if self._reasons is None:
            self._reasons = []
        if self._missing is None:
            self._missing = []

    @property
    def reasons(self) -> list[str]:
        if self._reasons is None:
            self._worked_out()
        return self._reasons

    @property
    def missing(self) -> list[str]:
        if self._missing is None:
            self._worked_out()
        return self._missing

    @property
    def suggestions(self) -> list[Suggestion]:
        if self._suggestions is None:
            self._suggestions = []
        return self._suggestions

    def __repr__(self) -> str:
        return f"ServiceResult({self.name!r}, {self.outcome!r})"


def route(directory: RoutingDirectory, facts: Facts) -> list[ServiceResult]:
    """Every active service's outcome for this family: eligible first, then unknown, then not eligible."""
    values = facts.values
    role = values.get("referrer_role")
    listed = []  # in the directory's order
    families: dict = {}  # the family's facts against each rule set (the directory's rules share one)
    for service in directory.services:
        rules = service.rule.rules
        family = families.get(rules)
        if family is None:
            family = families[rules] = rules.family(values, directory.labels)
        decided = service.rule.decide(family)
        result = ServiceResult(service.id, service.name, OUTCOMES[decided[0]], None, None,
                               role is not None and role in service.referrers, service.referrers)
        if decided[0] != 2:
            result._rule, result._family, result._decided = service.rule, family, decided
        listed.append(result)
    for position, related in directory.related:
        result = listed[position]
        for relation, other_position in related:
            other = listed[other_position]
            wanted = (
                (relation in ALTERNATIVES and result.outcome == NOT_ELIGIBLE and other.outcome == ELIGIBLE)
                or relation == "requires_prerequisite"
                or (relation == "while_you_wait" and result.outcome != NOT_ELIGIBLE and other.outcome != NOT_ELIGIBLE)
            )
            if wanted:
                result.suggestions.append(Suggestion(other.service_id, relation, other.outcome))
    # Eligible first, then unknown, then not eligible; by name within each.
    shown: dict[str, list[ServiceResult]] = {ELIGIBLE: [], UNKNOWN: [], NOT_ELIGIBLE: []}
    for result in map(listed.__getitem__, directory.by_name):
        shown[result.outcome].append(result)
    return shown[ELIGIBLE] + shown[UNKNOWN] + shown[NOT_ELIGIBLE]


def hidden_by_age(directory: RoutingDirectory, facts: Facts, results: list[ServiceResult]) -> dict:
    """Services ruled out only by their age range: {service id: (minimum age, maximum age)}, so a page can say
    "2 services match, but not for age 4: they start at age 6"."""
    age = facts.values.get("age")
    if age is None:
        return {}
    ruled_out = {r.service_id for r in results if r.outcome == NOT_ELIGIBLE}
    hidden = {}
    for service in directory.services:
        low, high = service.ages
        if service.id in ruled_out and not low <= age <= high:
            if service.without_ages().value(facts.values) is True:
                hidden[service.id] = service.ages
    return hidden


def route_record(session: Session, record: dict, cache: DirectoryCache | None = None) -> tuple[Facts, list]:
    facts = read_record(session, record)
    directory = cache.get(session) if cache else load_directory(session)
    return facts, route(directory, facts)


def as_json(facts: Facts, results: list[ServiceResult]) -> dict:
    return {
        "as_of": facts.as_of.isoformat(),
        "derived": facts.derived,
        "results": [
            {
                "service_id": str(r.service_id), "name": r.name, "outcome": r.outcome, "reasons": r.reasons,
                "missing": r.missing, "can_refer": r.can_refer, "referral_routes": r.referral_routes,
                "suggestions": [
                    {"service_id": str(s.service_id), "relation": s.relation, "outcome": s.outcome}
                    for s in r.suggestions
                ],
            }
            for r in results
        ],
    }


def init_app(app) -> None:
    app.extensions["routing"] = DirectoryCache()


def get_cache(app) -> DirectoryCache:
    return app.extensions["routing"]
