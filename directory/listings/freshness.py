"""How fresh a listing is, and the hourly reminders: a listing not checked for 6 months is sent to its leads (or,
with no lead, to the admins) and at 12 months the admins are told. Safe to run every hour and on several servers
at once: each listing is done in its own transaction and each email carries a unique outbox dedupe key (threshold,
listing, the assured date it is about, address), so every reminder is queued once per checking cycle; a second
run's copy is refused and that listing skipped; the audit log remembers the thresholds done once retention has
deleted the sent emails. Confirming a listing moves its assured date, starting a new cycle."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import AuditEntry, OutboxMessage, Service, User, UserRole
from directory.models.accounts import utcnow
from directory.notify.queue import queue
from directory.referrals import lifecycle
from directory.working_days import local_date

LEAD_MONTHS = 6
ADMIN_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_out_of_date(assured: date | None, today: date, months: int = LEAD_MONTHS) -> bool:
    """Last checked more than `months` months before `today` (never checked counts)."""
    return assured is None or assured < months_before(today, months)


@dataclass
class Summary:
    leads_reminded: int = 0
    admins_told: int = 0
    skipped: int = 0  # another run got there first

    def line(self) -> str:
        line = (f"Freshness: {self.leads_reminded} listing(s) not checked for {LEAD_MONTHS} months sent to their "
                f"leads, {self.admins_told} told to administrators.")
        if self.skipped:
            line += f" {self.skipped} skipped: already done by another run."
        return line


def stale_listings(session: Session, today: date) -> list[uuid.UUID]:
    cutoff = months_before(today, LEAD_MONTHS)
    return list(session.exec(select(Service.id).where(Service.assured_date < cutoff).order_by(Service.assured_date,
                                                                                            Service.id)))


def send_freshness_reminders(session: Session, today: date | None = None) -> Summary:
    """Queue what is due `today` (England's date now, unless given); each listing is committed on its own."""
    today = today or local_date(utcnow())
    summary = Summary()
    for service_id in stale_listings(session, today):
        try:
            leads, admins = _remind(session, service_id, today)
        except IntegrityError:
            # Another run queued the same email (its dedupe key) and committed first: it has done this one.
            session.rollback()
            summary.skipped += 1
            continue
        summary.leads_reminded += leads
        summary.admins_told += admins
    session.rollback()
    return summary


def _remind(session: Session, service_id: uuid.UUID, today: date) -> tuple[bool, bool]:
    begin_write(session)
    service = session.exec(select(Service).where(Service.id == service_id)
                           .execution_options(populate_existing=True)).one()
    assured = service.assured_date
    if not is_out_of_date(assured, today):  # confirmed meanwhile
        session.rollback()
        return False, False
    leads = lifecycle.service_leads(session, service_id)
    lead_context = {"service_name": service.name, "assured_date": _uk(assured),
                    "link": f"/your-services/{service_id}"}
    admin_context = {"service_name": service.name, "assured_date": _uk(assured), "link": f"/services/{service.slug}"}
    emails = []  # (address, template, key, context)
    if leads:
        emails += [(lead.email, "listing_freshness", _key(LEAD_MONTHS, service_id, assured, lead.email),
                    lead_context) for lead in leads]
    else:
        emails += [(admin.email, "listing_freshness_admin", _key(LEAD_MONTHS, service_id, assured, admin.email),
                    {**admin_context, "months": str(LEAD_MONTHS), "has_lead": "no"}) for admin in admins(session)]
    if is_out_of_date(assured, today, ADMIN_MONTHS):
        emails += [(admin.email, "listing_freshness_admin", _key(ADMIN_MONTHS, service_id, assured, admin.email),
                    {**admin_context, "months": str(ADMIN_MONTHS), "has_lead": "yes" if leads else "no"})
                   for admin in admins(session)]
    # Sent emails are deleted after 90 days (retention), and their dedupe keys with them: the audit log, kept for
    # years, remembers which thresholds of this checking cycle were already done.
    done_thresholds = _audited_thresholds(session, service_id, assured)
    emails = [email for email in emails if int(email[2].split(":")[1]) not in done_thresholds]
    done = set(session.exec(select(OutboxMessage.dedupe_key)
                            .where(OutboxMessage.dedupe_key.in_([key for _, _, key, _ in emails]))))
    to_send = [email for email in emails if email[2] not in done]
    if not to_send:
        session.rollback()
        return False, False
    for address, template, key, context in to_send:
        message = queue(session, address, template, **context)
        message.dedupe_key = key
    lead_sent = any(template == "listing_freshness" for _, template, _, _ in to_send)
    admin_sent = any(template == "listing_freshness_admin" for _, template, _, _ in to_send)
    audit(session, None, "listing_freshness_reminder", "service", service_id, assured_date=_iso(assured),
          thresholds=sorted({int(key.split(":")[1]) for _, _, key, _ in to_send}), leads=lead_sent,
          admins=admin_sent)
    # Flushed here, so that a copy another run queued (the same dedupe key) fails now, before anything commits.
    session.flush()
    session.commit()
    return lead_sent, admin_sent


def _audited_thresholds(session: Session, service_id: uuid.UUID, assured: date | None) -> set[int]:
    details = session.exec(select(AuditEntry.detail).where(AuditEntry.action == "listing_freshness_reminder",
                                                           AuditEntry.object_id == service_id))
    return {months for detail in details if (detail or {}).get("assured_date") == _iso(assured)
            for months in (detail or {}).get("thresholds", [])}


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "never"


def _key(months: int, service_id: uuid.UUID, assured: date | None, address: str) -> str:
    return f"freshness:{months}:{service_id}:{_iso(assured)}:{address}"[:200]


def _uk(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "never"


def admins(session: Session) -> list[User]:
    return list(session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == "admin", User.is_active).order_by(User.email)))
