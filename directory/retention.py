"""The retention schedule: what is deleted (or stripped) once its time is up, applied to what the database holds.

Every period is here, in SCHEDULE, so the schedule can be read (and changed) in one place; docs/data-protection.md
says the same in words. Closed family records are anonymised here too (their key worker closes them,
directory.referrals.closing): what reports need (district, needs, dates and statuses) is kept, the rest removed."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from directory.audit import record as audit
from directory.models import (
    AccountToken,
    AuditEntry,
    FamilyAccess,
    FamilyRecord,
    FamilySection,
    OutboxMessage,
    ProblemReport,
    Referral,
    ReferralDraft,
    ReferralEvent,
    ServiceReferral,
    WebSession,
)
from directory.models.accounts import utcnow

# PostgreSQL's code for the audit trigger's refusal (migration 0005: ERRCODE = 'insufficient_privilege').
REFUSED_BY_TRIGGER = "42501"


@dataclass(frozen=True)
class Rule:
    """One kind of data, what happens to it, and when: `days` or `years` after the moment its condition reads."""

    what: str
    done: str = "deleted"  # said of what a --commit run did
    due: str = "to delete"  # said of what a dry run found
    days: int = 0
    years: int = 0


# Kinds in the order they are applied (sent emails are deleted before the rest have their bodies removed, so no
# email is counted twice). The audit period is the default of AUDIT_RETENTION_YEARS, which overrides it.
SCHEDULE: dict[str, Rule] = {
    "sent_emails": Rule("sent emails older than {days} days", days=90),
    "email_bodies": Rule("delivered emails that still have their body", done="body removed", due="body to remove",
                         days=0),
    "account_tokens": Rule("single-use links used or expired more than {days} days ago", days=30),
    "web_sessions": Rule("expired sessions", days=0),
    "referral_drafts": Rule("referral drafts untouched for {days} days", days=30),
    "problem_report_emails": Rule("email addresses given with problem reports more than {days} days ago",
                                  done="address removed", due="address to remove", days=90),
    "audit_entries": Rule("audit entries older than {years} years", years=31),
    # Last, so that drafts past their own period are counted once, above.
    "family_records": Rule("closed family records past their period (with a referral: the child's 31st birthday; "
                           "without: {years} years after closing)", done="anonymised", due="to anonymise", years=6),
}

# A closed record with any referral is kept until the child's 31st birthday (date of birth + 31 years).
RECORD_WITH_REFERRALS_AGE = 31
# What anonymising keeps, for reports: the district and the need codes, in the sections and in what was sent.
KEPT_SECTION_FIELDS = {"child": ("district",), "needs": ("needs",)}
KEPT_SENT_FIELDS = ("child.district", "needs.needs")
# Free text in timeline events (a note, a question, a reason, an appointment's place); codes and dates stay.
EVENT_FREE_TEXT = ("text", "place")


class RetentionError(RuntimeError):
    """The schedule could not be applied; nothing was changed. The message is fit to show."""


@dataclass
class Report:
    committed: bool
    counts: dict[str, int] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{self.counts[kind]:>7}  {self.descriptions[kind]}" for kind in self.counts]


def years_before(moment: datetime, years: int) -> datetime:
    """The same date and time `years` years earlier (29 February becomes 28 February, as in PostgreSQL)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _statements(now: datetime, audit_years: int) -> dict[str, tuple]:
    """kind -> (the model, the condition for what is due, the statement that applies it)."""
    def before(kind: str) -> datetime:
        return now - timedelta(days=SCHEDULE[kind].days)

    sent = OutboxMessage.status == "sent"
    old_sent = sent & (OutboxMessage.sent_at < before("sent_emails"))
    has_body = OutboxMessage.body_text.is_not(None) | OutboxMessage.body_html.is_not(None)
    due = {
        "sent_emails": (OutboxMessage, old_sent, None),
        # Not those deleted just before: a dry run counts each email once too.
        "email_bodies": (OutboxMessage, sent & has_body & ~old_sent,
                         {"body_text": None, "body_html": None, "redacted_at": now}),
        "account_tokens": (AccountToken, or_(AccountToken.used_at < before("account_tokens"),
                                             AccountToken.expires_at < before("account_tokens")), None),
        "web_sessions": (WebSession, WebSession.expires_at <= before("web_sessions"), None),
        "referral_drafts": (ReferralDraft, ReferralDraft.updated_at < before("referral_drafts"), None),
        "problem_report_emails": (ProblemReport, ProblemReport.email.is_not(None)
                                  & (ProblemReport.created_at < before("problem_report_emails")), {"email": None}),
        "audit_entries": (AuditEntry, AuditEntry.at < years_before(now, audit_years), None),
    }
    return {kind: (model, condition,
                   update(model).where(condition).values(**values) if values else delete(model).where(condition))
            for kind, (model, condition, values) in due.items()}


def birthday(born: date, age: int) -> date:
    """The day someone born on `born` turns `age` (born on 29 February: 1 March in a year that has none)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date_of_birth(session: Session, record_id: uuid.UUID) -> date | None:
    child = session.execute(select(FamilySection).where(FamilySection.record_id == record_id,
                                                     FamilySection.section == "child")).scalars().first()
    try:
        return date.fromisoformat(child.data["date_of_birth"]) if child else None
    except (KeyError, TypeError, ValueError):
        return None


def records_due(session: Session, now: datetime) -> list[FamilyRecord]:
    """Closed records not yet anonymised whose period is over: with any referral, from the child's 31st birthday
    (a record with a referral but no date of birth is kept: nobody can say when it is due); with none, 6 years
    after closing."""
    closed = session.execute(select(FamilyRecord).where(FamilyRecord.closed_at.is_not(None),
                                                     FamilyRecord.anonymised_at.is_(None))
                          .order_by(FamilyRecord.closed_at)).scalars().all()
    if not closed:
        return []
    referred = set(session.execute(select(Referral.record_id).where(
        Referral.record_id.in_([record.id for record in closed]))).scalars())
    six_years_ago = years_before(now, SCHEDULE["family_records"].years)
    due = []
    for record in closed:
        if record.id in referred:
            born = _date_of_birth(session, record.id)
            if born is not None and now.date() >= birthday(born, RECORD_WITH_REFERRALS_AGE):
                due.append(record)
        elif _as_utc(record.closed_at) <= six_years_ago:
            due.append(record)
    return due


def anonymise(session: Session, record: FamilyRecord, now: datetime) -> None:
    """Keep the district, the need codes, the dates and the statuses; remove everything else that could identify
    the family: the other sections and answers, who may see it, the lookup hash, the values sent to services but
    those two, consent reasons, appointments' places, the words in its timeline, and its drafts. In the caller's
    transaction."""
    for section in session.execute(select(FamilySection).where(FamilySection.record_id == record.id)).scalars():
        kept = KEPT_SECTION_FIELDS.get(section.section)
        if kept is None:
            session.delete(section)
        else:
            section.data = {name: section.data[name] for name in kept if name in section.data}
            section.updated_at = now
    session.execute(delete(FamilyAccess).where(FamilyAccess.record_id == record.id))
    session.execute(delete(ReferralDraft).where(ReferralDraft.record_id == record.id))
    for row in session.execute(select(ServiceReferral).where(ServiceReferral.record_id == record.id)).scalars():
        row.sent_snapshot = {key: row.sent_snapshot[key] for key in KEPT_SENT_FIELDS if key in row.sent_snapshot}
        row.without_consent_reason = None
        if row.appointment:
            row.appointment = {key: row.appointment.get(key) for key in ("at", "video")}
    for event in session.execute(select(ReferralEvent).where(ReferralEvent.record_id == record.id)).scalars():
        if any(key in event.detail for key in EVENT_FREE_TEXT):
            event.detail = {key: value for key, value in event.detail.items() if key not in EVENT_FREE_TEXT}
    record.lookup_hash = None
    record.anonymised_at = now
    audit(session, None, "anonymise", "family_record", record.id)


def apply_schedule(session: Session, *, commit: bool, now: datetime | None = None,
                   audit_years: int | None = None) -> Report:
    """Count what is due for each kind and, with `commit`, delete (or empty) it and commit once; without, change
    nothing. `now` is the moment the periods are counted back from; `audit_years` is AUDIT_RETENTION_YEARS."""
    now = now or utcnow()
    audit_years = SCHEDULE["audit_entries"].years if audit_years is None else audit_years
    report = Report(committed=commit)
    for kind, (model, condition, statement) in _statements(now, audit_years).items():
        rule = SCHEDULE[kind]
        what = rule.what.format(days=rule.days, years=audit_years if kind == "audit_entries" else rule.years)
        report.descriptions[kind] = f"{what}: {rule.done if commit else rule.due}"
        if not commit:
            report.counts[kind] = session.execute(select(func.count()).select_from(model).where(condition)).scalar()
            continue
        try:
            report.counts[kind] = session.execute(statement, execution_options={"synchronize_session": False}).rowcount
        except DBAPIError as error:
            session.rollback()
            if getattr(error.orig, "sqlstate", None) == REFUSED_BY_TRIGGER:
                raise RetentionError(
                    f"The database refused to delete audit entries older than {audit_years} years: its trigger "
                    "keeps them for longer (the AUDIT_RETENTION_YEARS in force when migration 0005 ran). Nothing "
                    "was changed.") from None
            raise
    records = records_due(session, now)
    rule = SCHEDULE["family_records"]
    report.descriptions["family_records"] = f"{rule.what.format(years=rule.years)}: {rule.done if commit else rule.due}"
    report.counts["family_records"] = len(records)
    if commit:
        for record in records:
            anonymise(session, record, now)
    if commit:
        session.commit()
    else:
        session.rollback()
    return report
