"""Reminders for referrals the service has not answered within its response target (working days from sending):
the service's leads are reminded and the key worker told once past the target, and the administrators once past
twice the target. Safe to run every hour and on several servers at once: each referral is done in its own
transaction, claimed by a conditional update, and each email carries a unique outbox dedupe key, so a second
run's copy is refused and that referral skipped."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import FamilyRecord, Referral, Service, ServiceReferral, User, UserRole
from directory.models.accounts import utcnow
from directory.models.referrals import OPEN_STATUSES
from directory.notify.queue import queue
from directory.referrals import lifecycle
from directory.working_days import local_date, working_days_between


@dataclass
class Summary:
    reminded: int = 0
    escalated: int = 0
    skipped: int = 0  # another run (or the service) got there first

    def line(self) -> str:
        line = (f"Reminders: {self.reminded} referral(s) past their response target reminded, "
                f"{self.escalated} past twice the target escalated to administrators.")
        if self.skipped:
            line += f" {self.skipped} skipped: already done by another run, or answered meanwhile."
        return line


def waiting(session: Session) -> list[tuple[uuid.UUID, int, datetime]]:
    """(id, response target, when sent) of each open referral whose clock runs and that still needs a reminder
    or an escalation."""
    rows = session.exec(
        select(ServiceReferral.id, ServiceReferral.response_target_days, Referral.submitted_at)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.status.in_(OPEN_STATUSES), ServiceReferral.replies_here.is_(True),
               ServiceReferral.response_target_days.is_not(None), ServiceReferral.first_response_at.is_(None),
               ServiceReferral.escalated_at.is_(None))
        .order_by(Referral.submitted_at, ServiceReferral.id))
    return list(rows)


def send_reminders(session: Session, today: date | None = None) -> Summary:
    """Remind, tell and escalate what is due `today` (England's date now, unless given); each referral is
    committed on its own."""
    today = today or local_date(utcnow())
    summary = Summary()
    for row_id, target, sent_at in waiting(session):
        days = working_days_between(local_date(sent_at), today)
        if days <= target:
            continue
        try:
            reminded, escalated = _remind(session, row_id, target, escalate=days > 2 * target)
        except IntegrityError:
            # Another run queued the same email (its dedupe key) and committed first: it has done this one.
            session.rollback()
            summary.skipped += 1
            continue
        summary.reminded += reminded
        summary.escalated += escalated
        summary.skipped += not (reminded or escalated)
    session.rollback()
    return summary


def _claim(session: Session, row_id: uuid.UUID, column, now: datetime) -> bool:
    """Set `column` (reminded_at or escalated_at) if it is still empty and the service has still not answered:
    True for the one run that does it (the row stays locked until this transaction ends)."""
    statement = (update(ServiceReferral)
                 .where(ServiceReferral.id == row_id, ServiceReferral.status.in_(OPEN_STATUSES),
                        ServiceReferral.first_response_at.is_(None), column.is_(None))
                 .values({column: now}).execution_options(synchronize_session=False))
    return session.execute(statement).rowcount == 1


def _remind(session: Session, row_id: uuid.UUID, target: int, escalate: bool) -> tuple[bool, bool]:
    begin_write(session)
    now = utcnow()
    reminded = _claim(session, row_id, ServiceReferral.reminded_at, now)
    escalated = escalate and _claim(session, row_id, ServiceReferral.escalated_at, now)
    if not (reminded or escalated):
        session.rollback()
        return False, False
    row = session.exec(select(ServiceReferral).where(ServiceReferral.id == row_id)
                       .execution_options(populate_existing=True)).one()
    record = session.get(FamilyRecord, row.record_id)
    context = {"reference": lifecycle.reference_of(session, row), "link": lifecycle.link(row), "days": target}
    if reminded:
        for address in _service_addresses(session, row):
            _queue_once(session, address, "referral_reminder", f"reminder:{row.id}:{address}", context)
        if record.key_worker_id is not None:
            key_worker = session.get(User, record.key_worker_id)
            if key_worker.is_active:
                _queue_once(session, key_worker.email, "referral_overdue", f"overdue:{row.id}:{key_worker.email}",
                            context)
        lifecycle.write_event(session, row.record_id, row.id, None, "system", "reminder", None, {"days": target})
        audit(session, None, "referral_reminder", "service_referral", row.id, record_id=row.record_id,
              days=target)
    if escalated:
        for admin in admins(session):
            # Admins see no family records: their link is the list of referrals without a reply.
            _queue_once(session, admin.email, "referral_escalation", f"escalation:{row.id}:{admin.email}",
                        {**context, "link": "/admin/referrals-without-reply"})
        lifecycle.write_event(session, row.record_id, row.id, None, "system", "escalation", None,
                              {"days": 2 * target})
        audit(session, None, "referral_escalation", "service_referral", row.id, record_id=row.record_id,
              days=2 * target)
    # Flushed here, so that a copy another run queued (the same dedupe key) fails now, before anything commits.
    session.flush()
    session.commit()
    return reminded, escalated


def _queue_once(session: Session, address: str, template: str, key: str, context: dict) -> None:
    message = queue(session, address, template, **context)
    message.dedupe_key = key


def _service_addresses(session: Session, row: ServiceReferral) -> list[str]:
    """The service's leads; if it has none left, its referral address."""
    leads = [lead.email for lead in lifecycle.service_leads(session, row.service_id)]
    if leads:
        return leads
    service = session.get(Service, row.service_id)
    return [service.referral_email] if service.referral_email else []


def admins(session: Session) -> list[User]:
    return list(session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == "admin", User.is_active).order_by(User.email)))
