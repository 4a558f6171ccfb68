"""Where else a referral can go: after a decline, the eligible alternatives from the graph and the router; on a
waiting list, the "while you wait" services linked to its service. Each one says how the sender can reach it
(directory.referrals.channels), and those the sender may refer to here are sent in one step (reroute), reusing
the record and asking consent for the new service only."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory import routing
from directory.models import (
    FamilyRecord,
    Phone,
    Referral,
    Service,
    ServiceAttribute,
    ServiceReferral,
    ServiceRelation,
    TaxonomyTerm,
    User,
)
from directory.referrals import channels, lifecycle, submit

# The graph's ways on from a declined service: (relation, direction) -> how the other service relates to it.
# "out" reads declined <relation> other; "in" reads other <relation> declined.
ALTERNATIVE_EDGES = {
    ("alternative_to", "out"): "alternative_to", ("alternative_to", "in"): "alternative_to",
    ("cross_border_equivalent", "out"): "cross_border_equivalent",
    ("cross_border_equivalent", "in"): "cross_border_equivalent",
    ("step_up_to", "out"): "step_up_to", ("step_down_to", "in"): "step_up_to",
    ("step_down_to", "out"): "step_down_to", ("step_up_to", "in"): "step_down_to",
}
SAME_NEED = "same_need"  # found by the router: eligible, and helps with the same needs

# What the key worker reads about each alternative.
KIND_WORDS = {
    "alternative_to": "Another service for this need",
    "cross_border_equivalent": "The same kind of service in a neighbouring area",
    "step_up_to": "More specialist help",
    "step_down_to": "Help for milder difficulties",
    SAME_NEED: "Helps with the same needs, and the child may be able to get it",
    "while_you_wait": "While you wait",
}


@dataclass
class Option:
    """One service to go to instead (or while waiting), and how the sender can reach it."""

    service: Service
    kind: str  # a KIND_WORDS key
    channel: channels.Channel
    note: str | None = None  # the graph's own words on why
    outcome: str = routing.ELIGIBLE  # the router's outcome for this record
    open_referral: ServiceReferral | None = None  # the record already has an open referral there
    open_reference: str | None = None
    phones: list[Phone] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)  # what it would receive

    @property
    def choosable(self) -> bool:
        return self.channel.choosable and self.open_referral is None

    @property
    def kind_words(self) -> str:
        return KIND_WORDS[self.kind]


class RerouteError(ValueError):
    """A re-route or while-you-wait referral that cannot be made; the message is fit to show."""


def categories_of(session: Session, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    ids = list(service_ids)
    found: dict[uuid.UUID, set[str]] = {service_id: set() for service_id in ids}
    for service_id, code in session.exec(
            select(ServiceAttribute.service_id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
            .where(ServiceAttribute.service_id.in_(ids), ServiceAttribute.link_type == "category")):
        found[service_id].add(code)
    return found


def _graph(session: Session, service_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str | None]]:
    """(other service, kind, note) for each alternative edge of the service, in the graph's order, once each."""
    edges = session.exec(select(ServiceRelation).where(
        (ServiceRelation.service_id == service_id) | (ServiceRelation.related_service_id == service_id))
        .order_by(ServiceRelation.position, ServiceRelation.relation_type)).all()
    out, seen = [], set()
    for edge in edges:
        outgoing = edge.service_id == service_id
        kind = ALTERNATIVE_EDGES.get((edge.relation_type, "out" if outgoing else "in"))
        other = edge.related_service_id if outgoing else edge.service_id
        if kind is None or other == service_id or other in seen:
            continue
        seen.add(other)
        # A note is written for the edge's own service: read from the other end it may not fit, so it is kept
        # only for edges that leave the declined service.
        out.append((other, kind, edge.note if outgoing else None))
    return out


def _options(session: Session, record: FamilyRecord, found: list[tuple[uuid.UUID, str, str | None, str]],
             sender_role: str) -> list[Option]:
    services = {s.id: s for s in session.exec(select(Service).where(Service.id.in_([f[0] for f in found])))}
    found = [f for f in found if f[0] in services and services[f[0]].status == "active"]
    decided = channels.channels_for(session, [services[f[0]] for f in found], sender_role)
    already = submit.open_referrals(session, record.id)
    phones: dict[uuid.UUID, list[Phone]] = {}
    for phone in session.exec(select(Phone).where(Phone.service_id.in_(list(services))).order_by(Phone.position)):
        phones.setdefault(phone.service_id, []).append(phone)
    out = []
    for service_id, kind, note, outcome in found:
        service = services[service_id]
        open_row = already.get(service_id)
        out.append(Option(
            service, kind, decided[service_id], note, outcome, open_row,
            session.get(Referral, open_row.referral_id).reference if open_row else None,
            phones.get(service_id, []), submit.fields_shared_with(service)))
    return out


def _outcomes(results: list[routing.ServiceResult] | None) -> dict[uuid.UUID, str]:
    return {result.service_id: result.outcome for result in results or []}


def for_declined(session: Session, row: ServiceReferral, sender_role: str,
                 results: list[routing.ServiceResult] | None) -> list[Option]:
    """The alternatives to a declined referral's service: first its graph neighbours (other ways for the same
    need, across the border, a step up or down) that the router does not rule out for this record, then the
    services the router finds eligible that help with the same needs. `results` is the record routed for the
    sender (None when it could not be routed: then the graph's neighbours are offered unchecked)."""
    record = session.get(FamilyRecord, row.record_id)
    outcomes = _outcomes(results)
    found: list[tuple[uuid.UUID, str, str | None, str]] = []
    for other, kind, note in _graph(session, row.service_id):
        outcome = outcomes.get(other, routing.UNKNOWN)
        if results is None or (other in outcomes and outcome != routing.NOT_ELIGIBLE):
            found.append((other, kind, note, outcome))
    listed = {row.service_id, *(f[0] for f in found)}
    eligible = [r for r in results or [] if r.outcome == routing.ELIGIBLE and r.service_id not in listed]
    if eligible:
        categories = categories_of(session, [row.service_id, *(r.service_id for r in eligible)])
        needs = categories[row.service_id]
        found += [(r.service_id, SAME_NEED, None, r.outcome) for r in eligible if categories[r.service_id] & needs]
    options = _options(session, record, found, sender_role)
    # Those the sender can send now come first, keeping the graph's order within each.
    return sorted(options, key=lambda option: not option.choosable)


def while_you_wait(session: Session, row: ServiceReferral, sender_role: str,
                   results: list[routing.ServiceResult] | None) -> list[Option]:
    """The "while you wait" services linked to the referral's service, less those the router rules out for this
    record, each with how the sender can reach it."""
    record = session.get(FamilyRecord, row.record_id)
    outcomes = _outcomes(results)
    edges = session.exec(select(ServiceRelation).where(ServiceRelation.service_id == row.service_id,
                                                       ServiceRelation.relation_type == "while_you_wait")
                         .order_by(ServiceRelation.position)).all()
    found = []
    for edge in edges:
        outcome = outcomes.get(edge.related_service_id, routing.UNKNOWN)
        if results is None or (edge.related_service_id in outcomes and outcome != routing.NOT_ELIGIBLE):
            found.append((edge.related_service_id, "while_you_wait", edge.note, outcome))
    return _options(session, record, found, sender_role)


def send(session: Session, user: User, roles: set[str], row: ServiceReferral, options: list[Option],
         service_id: uuid.UUID, choice: submit.Choice, idempotency_key: str, caseload_limit: int,
         rerouted: bool) -> Referral:
    """Send the record to one of `options` in one step: a new referral with its consent, through the same
    submission as any other (one open referral per service, a closed record refused). Re-routing a declined
    referral also writes a "rerouted" event on it, in the same transaction. Raises RerouteError or
    submit.ReferralError with a message fit to show; nothing is written then."""
    option = next((o for o in options if o.service.id == service_id), None)
    if option is None:
        raise RerouteError("Select one of the services listed")
    if option.open_referral is not None:
        raise submit.duplicate(option.service, option.open_referral, option.open_reference)
    if not option.channel.choosable:
        raise RerouteError(submit.refusal(option.service, option.channel))
    record = session.get(FamilyRecord, row.record_id)
    expected = "declined" if rerouted else "waiting_list"

    def also(session: Session, referral: Referral) -> None:
        current = session.get(ServiceReferral, row.id)
        session.refresh(current)
        if current.status != expected:
            raise submit.ReferralError("This referral has changed since you opened it. Check its status, then "
                                       "try again if you still need to.")
        if rerouted:
            new_row = session.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).one()
            lifecycle.write_event(session, row.record_id, row.id, user.id,
                                  "key_worker" if "key_worker" in roles else "family", "rerouted", None,
                                  {"service_name": option.service.name, "service_referral_id": str(new_row.id)})

    return submit.submit_referral(session, user, roles, record, [choice], idempotency_key, caseload_limit,
                                  after=also)


def new_service_referral(session: Session, referral: Referral) -> ServiceReferral:
    return session.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).one()


def already_sent(session: Session, idempotency_key: str, record_id: uuid.UUID,
                 user_id: uuid.UUID) -> ServiceReferral | None:
    """The referral this person's form already sent for this record (a doubled or retried post), if any."""
    referral = session.exec(select(Referral).where(Referral.idempotency_key == idempotency_key)).first()
    if referral is None or referral.record_id != record_id or referral.submitted_by_id != user_id:
        return None
    return session.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).first()
