"""'Where is my referral?': what the key worker's and the family's page says about one referral (its status in
plain English, how long they have waited against the published wait, what happens next, a question waiting, the
appointment, the key worker to contact), and the same in short for each referral of a record."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory.models import FamilyRecord, Referral, ReferralEvent, Service, ServiceReferral, User
from directory.models.referrals import OPEN_STATUSES
from directory.referrals import alternatives as ways_on
from directory.referrals import timeline, words


@dataclass
class StatusPage:
    status: str  # the status in a sentence, for a family
    next_step: str
    sent_at: datetime
    waited: str | None  # "3 weeks", while the referral is open
    published_wait_weeks: int | None  # what the service publishes
    question: timeline.Entry | None  # the service's question waiting for an answer
    appointment: str | None  # "Tuesday 30 March 2027 at 10:30am, at Burton Clinic"
    key_worker: User | None
    reroutes: list[tuple[str, str]] = field(default_factory=list)  # (service name, link to its referral)
    while_you_wait: list[ways_on.Option] = field(default_factory=list)
    alternatives: list[ways_on.Option] = field(default_factory=list)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def waited_words(since: datetime, now: datetime | None = None) -> str:
    """ "today", "4 days", "1 week", "12 weeks"."""
    days = max(((now or datetime.now(UTC)) - as_utc(since)).days, 0)
    if days == 0:
        return "less than a day"
    if days < 14:
        return f"{days} day{'' if days == 1 else 's'}"
    return words.weeks(days // 7)


def page(session: Session, row: ServiceReferral, record: FamilyRecord, entries: list[timeline.Entry],
         sender_role: str, results=None, who: str = "family") -> StatusPage:
    """What the page says; `results` (the record routed for the sender, or None) lets it offer the while-you-wait
    services of a referral on a waiting list and, to the key worker, the alternatives to a declined one."""
    referral = session.get(Referral, row.referral_id)
    service = session.get(Service, row.service_id)
    question = None
    if row.status == "information_requested":
        question = next((entry for entry in reversed(entries) if entry.kind == "ask"), None)
    found = StatusPage(
        status=words.family_status(row.status, row.wait_weeks, row.replies_here, row.outcome, who),
        next_step=words.family_next_step(row.status, row.replies_here, who),
        sent_at=referral.submitted_at,
        waited=waited_words(referral.submitted_at) if row.status in OPEN_STATUSES else None,
        published_wait_weeks=service.wait_weeks,
        question=question,
        appointment=timeline.appointment_words(row.appointment)
        if row.status == "appointment_offered" and row.appointment else None,
        key_worker=session.get(User, record.key_worker_id) if record.key_worker_id else None,
        reroutes=rerouted_to(session, row),
    )
    if record.closed_at is None and row.status == "waiting_list":
        found.while_you_wait = ways_on.while_you_wait(session, row, sender_role, results)
    if record.closed_at is None and row.status == "declined" and who == "key_worker":
        found.alternatives = ways_on.for_declined(session, row, sender_role, results)
    return found


def rerouted_to(session: Session, row: ServiceReferral) -> list[tuple[str, str]]:
    events = session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row.id,
                                                      ReferralEvent.kind == "rerouted")
                          .order_by(ReferralEvent.at)).all()
    out = []
    for event in events:
        target = event.detail.get("service_referral_id")
        out.append((event.detail.get("service_name", ""), f"/service-referrals/{target}" if target else ""))
    return out


@dataclass
class RecordSummary:
    """A record's referrals in short, for the list of records."""

    open: int = 0
    questions: int = 0  # referrals with a service's question waiting for an answer


def summaries(session: Session, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, RecordSummary]:
    found = {record_id: RecordSummary() for record_id in record_ids}
    if not record_ids:
        return found
    for record_id, status in session.exec(select(ServiceReferral.record_id, ServiceReferral.status)
                                          .where(ServiceReferral.record_id.in_(record_ids))):
        if status in OPEN_STATUSES:
            found[record_id].open += 1
        if status == "information_requested":
            found[record_id].questions += 1
    return found
