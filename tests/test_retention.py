"""The retention schedule on a hand-built data set: what is due is counted, deleted or emptied, on either side of
each boundary; a dry run changes nothing; a second run finds nothing; and PostgreSQL keeps the audit log
append-only except for entries past their period."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from directory.models import (
    AccountToken,
    AuditEntry,
    FamilyRecord,
    OutboxMessage,
    ReferralDraft,
    WebSession,
)
from directory.models.accounts import utcnow
from directory.retention import SCHEDULE, RetentionError, apply_schedule, years_before
from tests.helpers.databases import dump
from tests.helpers.people import make_user

DUE = {"sent_emails": 2, "email_bodies": 2, "account_tokens": 2, "web_sessions": 1, "referral_drafts": 1,
       "problem_report_emails": 0, "audit_entries": 1, "family_records": 0}
NOTHING = dict.fromkeys(DUE, 0)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def build(session: Session, now: datetime) -> dict[str, uuid.UUID]:
    """One row on each side of each boundary, named by what should become of it; committed into the test's
    transaction (rolled back afterwards)."""
    person, other = make_user(session, ["key_worker"]), make_user(session, ["key_worker"])
    record = FamilyRecord(reference=f"FAM-TEST-{uuid.uuid4().hex[:4].upper()}", created_by_id=person.id)
    session.add(record)
    session.flush()
    rows = {
        # Emails: queued and failed ones stay whatever their age; sent ones lose their body at once, and go
        # after 90 days.
        "email_queued_old": OutboxMessage(template="plain", to_address="a@example.org", subject="s", body_text="q",
                                          created_at=now - days(400), status="queued"),
        "email_failed_old": OutboxMessage(template="plain", to_address="a@example.org", subject="s", body_text="f",
                                          created_at=now - days(400), status="failed", failed_at=now - days(399)),
        "email_sent_91_days": OutboxMessage(template="plain", to_address="a@example.org", subject="s",
                                            body_text="old", status="sent", sent_at=now - days(91)),
        "email_sent_100_days_emptied": OutboxMessage(template="plain", to_address="a@example.org", subject="s",
                                                     status="sent", sent_at=now - days(100),
                                                     redacted_at=now - days(100)),
        "email_sent_89_days": OutboxMessage(template="plain", to_address="a@example.org", subject="s",
                                            body_text="kept text", body_html="<p>kept</p>", status="sent",
                                            sent_at=now - days(89)),
        "email_sent_today": OutboxMessage(template="plain", to_address="a@example.org", subject="s",
                                          body_html="<p>new</p>", status="sent", sent_at=now - timedelta(minutes=5)),
        "email_sent_emptied": OutboxMessage(template="plain", to_address="a@example.org", subject="s",
                                            status="sent", sent_at=now - days(10), redacted_at=now - days(9)),
        # Links: used or expired more than 30 days ago go.
        "token_used_31_days": AccountToken(user_id=person.id, purpose="invitation", token_hash=uuid.uuid4().hex,
                                           expires_at=now + days(1), used_at=now - days(31)),
        "token_used_29_days": AccountToken(user_id=person.id, purpose="invitation", token_hash=uuid.uuid4().hex,
                                           expires_at=now - days(29), used_at=now - days(29)),
        "token_expired_31_days": AccountToken(user_id=person.id, purpose="reset_password",
                                              token_hash=uuid.uuid4().hex, expires_at=now - days(31)),
        "token_expired_29_days": AccountToken(user_id=person.id, purpose="reset_password",
                                              token_hash=uuid.uuid4().hex, expires_at=now - days(29)),
        "token_live": AccountToken(user_id=person.id, purpose="confirm_email", token_hash=uuid.uuid4().hex,
                                   expires_at=now + timedelta(hours=1)),
        # Drafts: 30 days untouched.
        "draft_31_days": ReferralDraft(record_id=record.id, user_id=person.id, data={"services": []},
                                       created_at=now - days(40), updated_at=now - days(31)),
        "draft_29_days": ReferralDraft(record_id=record.id, user_id=other.id, data={"services": []},
                                       created_at=now - days(40), updated_at=now - days(29)),
        # Audit entries: AUDIT_RETENTION_YEARS (31 by default). Inserted already old: PostgreSQL refuses UPDATE.
        "audit_past_period": AuditEntry(at=years_before(now, 31) - days(1), action="view", object_type="user",
                                        object_id=person.id),
        "audit_within_period": AuditEntry(at=years_before(now, 31) + days(1), action="view", object_type="user",
                                          object_id=person.id),
    }
    session.add_all(rows.values())
    sessions = {"session_expired": WebSession(id=uuid.uuid4().hex, data=b"x", expires_at=now - timedelta(minutes=1)),
                "session_live": WebSession(id=uuid.uuid4().hex, data=b"x", expires_at=now + timedelta(minutes=10))}
    session.add_all(sessions.values())
    session.commit()
    return {**{name: row.id for name, row in rows.items()}, **{name: row.id for name, row in sessions.items()}}


MODELS = {"email": OutboxMessage, "token": AccountToken, "draft": ReferralDraft, "audit": AuditEntry,
          "session": WebSession}


def present(session: Session, ids: dict) -> set[str]:
    session.expire_all()
    return {name for name, row_id in ids.items() if session.get(MODELS[name.split("_")[0]], row_id) is not None}


GONE = {"email_sent_91_days", "email_sent_100_days_emptied", "token_used_31_days", "token_expired_31_days",
        "draft_31_days", "audit_past_period", "session_expired"}


def test_the_periods_are_the_ones_published():
    assert {kind: (rule.days, rule.years) for kind, rule in SCHEDULE.items()} == {
        "sent_emails": (90, 0), "email_bodies": (0, 0), "account_tokens": (30, 0), "web_sessions": (0, 0),
        "referral_drafts": (30, 0), "problem_report_emails": (90, 0), "audit_entries": (0, 31),
        "family_records": (0, 6)}


def test_a_dry_run_counts_what_is_due_and_changes_nothing(db_session):
    now = utcnow()
    ids = build(db_session, now)
    before = dump(db_session)
    report = apply_schedule(db_session, commit=False, now=now)
    assert report.counts == DUE
    assert dump(db_session) == before
    assert present(db_session, ids) == set(ids)
    assert "      2  sent emails older than 90 days: to delete" in report.lines()


def test_commit_applies_the_schedule_on_either_side_of_each_boundary(db_session):
    now = utcnow()
    ids = build(db_session, now)
    report = apply_schedule(db_session, commit=True, now=now)
    assert report.counts == DUE
    assert present(db_session, ids) == set(ids) - GONE
    for name in ("email_sent_89_days", "email_sent_today"):
        message = db_session.get(OutboxMessage, ids[name])
        assert message.body_text is None and message.body_html is None and message.redacted_at is not None
        assert message.to_address == "a@example.org"  # kept for the 90 days, as delivery evidence
    for name in ("email_queued_old", "email_failed_old"):
        assert db_session.get(OutboxMessage, ids[name]).body_text is not None
    assert db_session.get(OutboxMessage, ids["email_sent_emptied"]).redacted_at < now - days(8)


def test_a_second_run_finds_nothing(db_session):
    now = utcnow()
    ids = build(db_session, now)
    apply_schedule(db_session, commit=True, now=now)
    left = present(db_session, ids)
    assert apply_schedule(db_session, commit=True, now=now).counts == NOTHING
    assert apply_schedule(db_session, commit=False, now=now).counts == NOTHING
    assert present(db_session, ids) == left


def test_later_the_rows_kept_fall_due_too(db_session):
    now = utcnow()
    ids = build(db_session, now)
    apply_schedule(db_session, commit=True, now=now)
    # (A year more for the audit log: PostgreSQL's trigger counts from the database's own clock.)
    later = apply_schedule(db_session, commit=True, now=now + days(2), audit_years=32)
    assert later.counts == {**NOTHING, "sent_emails": 1, "account_tokens": 2, "referral_drafts": 1,
                            "web_sessions": 1}
    assert present(db_session, ids) == {"email_queued_old", "email_failed_old", "email_sent_today",
                                        "email_sent_emptied", "token_live", "audit_within_period"}


def test_a_shorter_audit_period_from_the_settings(db_session, backend):
    now = utcnow()
    ids = build(db_session, now)
    if backend == "postgresql":
        # The trigger keeps entries for the period it was made with (31 years): nothing is changed.
        before = dump(db_session)
        with pytest.raises(RetentionError, match="refused to delete audit entries older than 30 years"):
            apply_schedule(db_session, commit=True, now=now, audit_years=30)
        assert dump(db_session) == before
    else:
        assert apply_schedule(db_session, commit=True, now=now, audit_years=30).counts["audit_entries"] == 2
        assert "audit_within_period" not in present(db_session, ids)


def test_years_before_a_29th_of_february():
    assert years_before(datetime(2028, 2, 29, 12, tzinfo=UTC), 31) == datetime(1997, 2, 28, 12, tzinfo=UTC)
    assert years_before(datetime(2027, 3, 1, tzinfo=UTC), 31) == datetime(1996, 3, 1, tzinfo=UTC)


# --- the command -------------------------------------------------------------------------------------------------


def test_the_command_needs_exactly_one_of_dry_run_and_commit(runner):
    for args in ([], ["--dry-run", "--commit"]):
        result = runner.invoke(args=["retention", *args])
        assert result.exit_code == 2 and "exactly one of --dry-run" in result.output


def test_the_command_dry_run_changes_nothing_and_commit_twice_is_idempotent(runner, db_session):
    ids = build(db_session, utcnow())
    before = dump(db_session)
    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "      1  audit entries older than 31 years: to delete" in dry.output
    assert "Dry run: nothing was changed" in dry.output
    assert dump(db_session) == before

    done = runner.invoke(args=["retention", "--commit"])
    assert done.exit_code == 0, done.output
    for line in ("      2  sent emails older than 90 days: deleted",
                 "      2  delivered emails that still have their body: body removed",
                 "      2  single-use links used or expired more than 30 days ago: deleted",
                 "      1  expired sessions: deleted", "      1  referral drafts untouched for 30 days: deleted",
                 "      1  audit entries older than 31 years: deleted"):
        assert line in done.output
    assert present(db_session, ids) == set(ids) - GONE

    again = runner.invoke(args=["retention", "--commit"])
    assert again.exit_code == 0, again.output
    assert "Done: 0 change(s) committed." in again.output
    assert present(db_session, ids) == set(ids) - GONE


# --- the append-only audit log (PostgreSQL's trigger) ------------------------------------------------------------


@pytest.fixture
def postgresql(backend):
    if backend != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")


def _refused(db_session: Session, statement: str, **params) -> str:
    with pytest.raises(DBAPIError) as raised, db_session.begin_nested():
        db_session.execute(text(statement), params)
    return str(raised.value.orig)


def test_postgresql_refuses_to_change_or_delete_a_recent_audit_entry(postgresql, db_session):
    entry = AuditEntry(action="view", object_type="user", detail={"fields": ["name"]})
    db_session.add(entry)
    db_session.commit()
    message = _refused(db_session, "UPDATE audit_entry SET action = 'changed' WHERE id = :id", id=entry.id)
    assert "audit_entry is append-only: UPDATE refused" in message
    message = _refused(db_session, "DELETE FROM audit_entry WHERE id = :id", id=entry.id)
    assert "audit_entry is append-only: DELETE refused" in message
    db_session.expire_all()
    assert db_session.get(AuditEntry, entry.id).action == "view"


def test_postgresql_lets_an_entry_past_its_period_be_deleted(postgresql, db_session):
    old = AuditEntry(at=years_before(utcnow(), 31) - days(1), action="view", object_type="user")
    recent = AuditEntry(at=years_before(utcnow(), 31) + days(1), action="view", object_type="user")
    db_session.add_all([old, recent])
    db_session.commit()
    old_id, recent_id = old.id, recent.id
    message = _refused(db_session, "UPDATE audit_entry SET action = 'changed' WHERE id = :id", id=old_id)
    assert "UPDATE refused" in message
    assert "DELETE refused" in _refused(db_session, "DELETE FROM audit_entry WHERE id = :id", id=recent_id)
    assert db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": old_id}).rowcount == 1
    db_session.commit()
    assert db_session.exec(select(AuditEntry.id).where(AuditEntry.id.in_([old_id, recent_id]))).all() == [recent_id]
