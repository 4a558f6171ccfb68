"""A referral's one timeline, as each reader may see it.

The key worker sees every event of the referral and of the record. A service lead sees their own service's
referral only: its events, and changes to the fields that service receives (by name), never the child's other
referrals. The family sees it in plain English: the service by its name, their key worker by name, and no other
staff names, codes or notes meant for staff."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, or_, select

from directory.models import FamilyRecord, ReferralEvent, Service, ServiceReferral, User
from directory.referrals import fields as family_fields
from directory.referrals.words import (
    CLOSE_OUTCOMES,
    CLOSE_OUTCOMES_FOR_FAMILIES,
    DECLINE_REASONS,
    DECLINE_REASONS_FOR_FAMILIES,
    weeks,
)
from directory.working_days import LONDON

READERS = ("key_worker", "service", "family")
RECORD_KINDS = ("record_changed", "record_closed", "record_reopened")


@dataclass
class Entry:
    at: datetime
    kind: str
    who: str
    what: str
    text: str | None = None  # a question, an answer, a note: the person's own words


def events(session: Session, row: ServiceReferral) -> list[ReferralEvent]:
    """The referral's events and its record's own events (changes, closing), oldest first."""
    return list(session.exec(
        select(ReferralEvent).where(
            or_(ReferralEvent.service_referral_id == row.id,
                (ReferralEvent.record_id == row.record_id) & ReferralEvent.service_referral_id.is_(None)))
        .order_by(ReferralEvent.at, ReferralEvent.id)))


def entries(session: Session, row: ServiceReferral, reader: str) -> list[Entry]:
    """The timeline as `reader` ("key_worker", "service" or "family") may see it, oldest first."""
    if reader not in READERS:
        raise ValueError(reader)
    record = session.get(FamilyRecord, row.record_id)
    service = session.get(Service, row.service_id)
    names: dict[uuid.UUID, User | None] = {}
    out = []
    for event in events(session, row):
        if event.service_referral_id is None and event.at < row_sent_at(session, row):
            continue  # the record's history before this referral is not this referral's
        entry = _entry(session, event, row, record, service, reader, names)
        if entry is not None:
            if reader == "service" and row.consent_withdrawn_at is not None:
                entry.text = None  # consent withdrawn: the service keeps what happened, not anyone's words
            out.append(entry)
    return out


def row_sent_at(session: Session, row: ServiceReferral) -> datetime:
    first = session.exec(select(ReferralEvent.at).where(ReferralEvent.service_referral_id == row.id)
                         .order_by(ReferralEvent.at)).first()
    return first if first is not None else datetime.min.replace(tzinfo=LONDON)


def _person(session: Session, names: dict, user_id: uuid.UUID | None) -> User | None:
    if user_id is None:
        return None
    if user_id not in names:
        names[user_id] = session.get(User, user_id)
    return names[user_id]


def _who(session, event: ReferralEvent, record: FamilyRecord, service: Service, reader: str, names) -> str:
    person = _person(session, names, event.actor_id)
    recorded = event.detail.get("recorded_by_key_worker")
    if event.actor == "system":
        return "This site"
    if event.actor == "service":
        if reader == "family" or person is None:
            return service.name
        if recorded:
            return f"{service.name} (recorded by {person.name}, key worker)"
        return f"{person.name}, {service.name}" if reader == "key_worker" else person.name
    if event.actor == "key_worker":
        if reader == "family":
            return f"{person.name}, your key worker" if person else "Your key worker"
        return f"{person.name}, key worker" if person else "The key worker"
    return "You" if reader == "family" else "The family"


def _entry(session, event: ReferralEvent, row: ServiceReferral, record: FamilyRecord, service: Service,
           reader: str, names) -> Entry | None:
    kind, detail, family = event.kind, event.detail, reader == "family"
    text = detail.get("text")
    if kind == "record_changed":
        fields = [f"{detail.get('section')}.{name}" for name in detail.get("fields") or []]
        if reader == "service":
            fields = [key for key in fields if key in row.shared_fields]
        if not fields:
            return None
        shown = ", ".join(_in_a_sentence(family_fields.FIELDS.get(key, key)) for key in fields)
        what = f"Changed the record: {shown}"
        return Entry(event.at, kind, _who(session, event, record, service, reader, names), what)
    if kind in ("record_closed", "record_reopened"):
        if reader == "service":
            return None
        what = "Closed the family's record" if kind == "record_closed" else "Reopened the family's record"
        return Entry(event.at, kind, _who(session, event, record, service, reader, names), what, text)
    if kind == "rerouted" and reader == "service":
        return None  # where else the child was referred is not this service's business
    what = _what(kind, detail, service, family)
    if what is None:
        return None
    if family and kind in ("acknowledge", "accept", "accept_appointment") and event.actor == "service":
        text = None if detail.get("recorded_by_key_worker") else text
    return Entry(event.at, kind, _who(session, event, record, service, reader, names), what, text)


def _in_a_sentence(name: str) -> str:
    """ "Child's first name" becomes "child's first name"; "GP's name" and "NHS number" keep their capitals."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _what(kind: str, detail: dict, service: Service, family: bool) -> str | None:
    if kind == "sent":
        return f"Sent the referral to {service.name}"
    if kind == "acknowledge":
        return "Received the referral and is looking at it" if family else "Acknowledged the referral"
    if kind == "ask":
        return "Asked a question"
    if kind == "answer":
        return "Answered the question"
    if kind == "accept":
        return "Accepted the referral"
    if kind == "wait_list":
        return f"Put your child on the waiting list: about {weeks(detail['weeks'])}" if family else \
            f"Put on the waiting list: about {weeks(detail['weeks'])}"
    if kind == "offer_appointment":
        return f"Offered an appointment: {appointment_words(detail)}"
    if kind == "accept_appointment":
        return "Accepted the appointment"
    if kind == "ask_to_rearrange":
        return "Asked to rearrange the appointment"
    if kind == "close":
        outcome = detail.get("reason")
        return (f"Closed the referral: {CLOSE_OUTCOMES_FOR_FAMILIES.get(outcome, '')}" if family
                else f"Closed the referral: {CLOSE_OUTCOMES.get(outcome, outcome).lower()}")
    if kind == "decline":
        reason = detail.get("reason")
        return (f"Could not take the referral: {DECLINE_REASONS_FOR_FAMILIES.get(reason, '')}" if family
                else f"Declined the referral: {DECLINE_REASONS.get(reason, reason).lower()}")
    if kind == "withdraw":
        reason = detail.get("reason")
        if reason == "record_closed":
            return "Withdrew the referral, as the family's record was closed"
        if reason == "consent_withdrawn":
            return "Withdrew the referral, as consent was withdrawn"
        return "Withdrew the referral"
    if kind == "consent_withdrawn":
        return "Withdrew consent to share the family's information with this service"
    if kind == "reminder":
        return ("Reminded the service: they have not replied within their target time" if family else
                f"Reminder sent: no reply within {detail.get('days', '')} working days".replace("  ", " "))
    if kind == "escalation":
        return None if family else "Told the directory's administrators: no reply within twice the target"
    if kind == "rerouted":
        return f"Sent to another service instead: {detail.get('service_name', '')}".rstrip(": ")
    return None


def appointment_words(appointment: dict) -> str:
    """ "Tuesday 30 March 2027 at 10:30am, at Burton Clinic" or "... by video call"."""
    at = datetime.fromisoformat(appointment["at"]).astimezone(LONDON)
    when = f"{at:%A} {at.day} {at:%B %Y} at {at.hour % 12 or 12}:{at:%M}{'am' if at.hour < 12 else 'pm'}"
    return f"{when}, by video call" if appointment.get("video") else f"{when}, at {appointment.get('place')}"
