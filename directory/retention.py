"""The retention schedule: what is deleted (or stripped) once its time is up, applied to what the database holds.

Every period is here, in SCHEDULE, so the schedule can be read (and changed) in one place; docs/data-protection.md
says the same in words. Closing and anonymising family records is not part of this schedule."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from directory.models import AccountToken, AuditEntry, OutboxMessage, ReferralDraft, WebSession
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
    "audit_entries": Rule("audit entries older than {years} years", years=31),
}


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
        "audit_entries": (AuditEntry, AuditEntry.at < years_before(now, audit_years), None),
    }
    return {kind: (model, condition,
                   update(model).where(condition).values(**values) if values else delete(model).where(condition))
            for kind, (model, condition, values) in due.items()}


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
    if commit:
        session.commit()
    else:
        session.rollback()
    return report
