"""send-reminders: a referral with no reply past its service's response target (working days) reminds the leads
and tells the key worker once; past twice the target the admins are told once; never for a service that does not
reply here or has answered; once only across runs, also two at once on real connections."""

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from directory.models import OutboxMessage, Referral, ReferralEvent, ServiceReferral
from directory.referrals import lifecycle, timeline
from directory.referrals.reminders import send_reminders
from directory.working_days import add_working_days
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.referrals import AUTISM, EARLY_HELP, new_family, send, sent_referral

SENT_ON = date(2026, 12, 14)  # a Monday; the working days after it run across Christmas
TARGET = 5


def day(working_days: int) -> date:
    return add_working_days(SENT_ON, working_days)


def backdate(session: Session, row: ServiceReferral, target: int | None = TARGET) -> None:
    """Sent on SENT_ON at 9am, with this response target."""
    session.get(Referral, row.referral_id).submitted_at = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    row.response_target_days = target
    session.commit()


def messages(session: Session, template: str, row: ServiceReferral | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.template == template)
    if row is not None:
        query = query.where(OutboxMessage.dedupe_key.contains(str(row.id)))
    return list(session.exec(query.order_by(OutboxMessage.to_address)))


def system_events(session: Session, row: ServiceReferral) -> list[ReferralEvent]:
    return list(session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row.id,
                                                         ReferralEvent.actor == "system")
                             .order_by(ReferralEvent.at)))


@pytest.fixture
def people(db_session):
    leads = [make_user(db_session, ["service_lead"], services=[EARLY_HELP]) for _ in range(2)]
    admin = make_user(db_session, ["admin"])
    return leads, admin


@pytest.fixture
def sent(db_session, people):
    sent = sent_referral(db_session)
    backdate(db_session, sent.row)
    return sent


def test_no_reminder_before_or_at_the_target(db_session, sent):
    for working_days in (0, 1, TARGET - 1, TARGET):
        summary = send_reminders(db_session, day(working_days))
        assert (summary.reminded, summary.escalated) == (0, 0), working_days
    db_session.refresh(sent.row)
    assert sent.row.reminded_at is None and not messages(db_session, "referral_reminder")
    assert not system_events(db_session, sent.row)


def test_past_the_target_the_leads_are_reminded_and_the_key_worker_told_once(db_session, sent, people):
    leads, admin = people
    assert day(TARGET + 1) == date(2026, 12, 22)
    summary = send_reminders(db_session, day(TARGET + 1))
    assert (summary.reminded, summary.escalated, summary.skipped) == (1, 0, 0)
    reminders = messages(db_session, "referral_reminder", sent.row)
    assert sorted(m.to_address for m in reminders) == sorted(lead.email for lead in leads)
    assert {m.dedupe_key for m in reminders} == {f"reminder:{sent.row.id}:{lead.email}" for lead in leads}
    told = messages(db_session, "referral_overdue", sent.row)
    assert [m.to_address for m in told] == [sent.key_worker.email]
    assert not messages(db_session, "referral_escalation")
    for message in reminders + told:
        assert f"/{lifecycle.link(sent.row).lstrip('/')}\n" in message.body_text
        assert lifecycle.reference_of(db_session, sent.row) in message.subject
        assert "Early help" not in message.body_text and "early-help" not in message.body_text
        assert f"{TARGET} working days" in message.body_text
    db_session.refresh(sent.row)
    assert sent.row.reminded_at is not None and sent.row.escalated_at is None
    assert sent.row.status == "sent" and sent.row.version == 1  # a lead's open page is not made stale
    events = system_events(db_session, sent.row)
    assert [(e.kind, e.detail, e.actor_id) for e in events] == [("reminder", {"days": TARGET}, None)]
    # Running again, the same day or later (before twice the target), queues nothing more.
    for again in (TARGET + 1, TARGET + 3, 2 * TARGET):
        summary = send_reminders(db_session, day(again))
        assert (summary.reminded, summary.escalated) == (0, 0)
    assert len(messages(db_session, "referral_reminder")) == 2 and len(system_events(db_session, sent.row)) == 1


def test_past_twice_the_target_the_admins_are_told_once(db_session, sent, people):
    _, admin = people
    other_admin = make_user(db_session, ["admin"])
    gone = make_user(db_session, ["admin"])
    gone.is_active = False
    db_session.commit()
    send_reminders(db_session, day(TARGET + 1))
    assert send_reminders(db_session, day(2 * TARGET)).escalated == 0
    summary = send_reminders(db_session, day(2 * TARGET + 1))
    assert (summary.reminded, summary.escalated) == (0, 1)
    escalations = messages(db_session, "referral_escalation", sent.row)
    addresses = {m.to_address for m in escalations}
    assert {admin.email, other_admin.email} <= addresses and gone.email not in addresses
    assert all(m.dedupe_key == f"escalation:{sent.row.id}:{m.to_address}" for m in escalations)
    assert [e.kind for e in system_events(db_session, sent.row)] == ["reminder", "escalation"]
    db_session.refresh(sent.row)
    assert sent.row.escalated_at is not None
    assert send_reminders(db_session, day(4 * TARGET)).escalated == 0
    assert len(messages(db_session, "referral_escalation", sent.row)) == len(escalations)


def test_christmas_does_not_count(db_session, sent):
    backdate(db_session, sent.row, 10)
    # 15 to 18 Dec, 21 to 24 Dec, then 25 (Christmas), 28 (Boxing Day's substitute) and the weekends do not
    # count: the 10th working day is 30 December, 16 days after sending.
    assert send_reminders(db_session, date(2026, 12, 30)).reminded == 0
    assert send_reminders(db_session, date(2026, 12, 31)).reminded == 1


def test_a_referral_never_reminded_gets_both_when_first_seen_past_twice_the_target(db_session, sent):
    summary = send_reminders(db_session, day(3 * TARGET))
    assert (summary.reminded, summary.escalated) == (1, 1)
    assert [e.kind for e in system_events(db_session, sent.row)] == ["reminder", "escalation"]


def test_none_once_the_service_has_acted(db_session, sent, people):
    leads, _ = people
    lifecycle.act(db_session, leads[0].id, {"service_lead"}, sent.row.id, "acknowledge", 1)
    assert send_reminders(db_session, day(3 * TARGET)).reminded == 0
    assert not messages(db_session, "referral_reminder") and not system_events(db_session, sent.row)


def test_none_once_withdrawn(db_session, sent):
    lifecycle.act(db_session, sent.key_worker.id, {"key_worker"}, sent.row.id, "withdraw", 1,
                  text="The family moved")
    assert send_reminders(db_session, day(3 * TARGET)).reminded == 0


def test_none_for_a_service_that_does_not_reply_here(db_session, people):
    sent = sent_referral(db_session, AUTISM)  # no lead: sent by email, no clock
    assert sent.row.replies_here is False and sent.row.response_target_days is None
    db_session.get(Referral, sent.row.referral_id).submitted_at = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    db_session.commit()
    assert send_reminders(db_session, day(100)).reminded == 0
    assert not messages(db_session, "referral_reminder") and not system_events(db_session, sent.row)


def test_the_timeline_shows_the_reminder_to_each_reader(db_session, sent):
    send_reminders(db_session, day(2 * TARGET + 1))
    staff = [(e.who, e.what) for e in timeline.entries(db_session, sent.row, "key_worker")]
    assert ("This site", f"Reminder sent: no reply within {TARGET} working days") in staff
    assert any(what.startswith("Told the directory's administrators") for _, what in staff)
    service = [e.what for e in timeline.entries(db_session, sent.row, "service")]
    assert f"Reminder sent: no reply within {TARGET} working days" in service
    family = [e.what for e in timeline.entries(db_session, sent.row, "family")]
    assert "Reminded the service: they have not replied within their target time" in family
    assert not any("administrators" in what for what in family)


def test_a_copy_another_run_queued_first_is_skipped_and_nothing_else_written(db_session, sent, people):
    """The dedupe key: if another run's reminder email for this referral is already in the outbox, this run's
    copy fails the unique key; that referral is skipped (no event, no reminded_at) and the others still go."""
    leads, _ = people
    other = sent_referral(db_session, key_worker=sent.key_worker)
    other_row = other.row
    backdate(db_session, other_row)
    earlier = OutboxMessage(template="referral_reminder", to_address=leads[0].email, subject="Reminder",
                            dedupe_key=f"reminder:{sent.row.id}:{leads[0].email}")
    db_session.add(earlier)
    db_session.commit()
    summary = send_reminders(db_session, day(TARGET + 1))
    assert (summary.reminded, summary.skipped) == (1, 1)
    db_session.refresh(sent.row)
    db_session.refresh(other_row)
    assert sent.row.reminded_at is None and not system_events(db_session, sent.row)
    assert messages(db_session, "referral_reminder", sent.row) == [earlier]
    assert not messages(db_session, "referral_overdue", sent.row)
    assert other_row.reminded_at is not None and len(messages(db_session, "referral_reminder", other_row)) == 2


def test_the_command_prints_a_summary_and_exits_0(runner, db_session, sent):
    result = runner.invoke(args=["send-reminders", "--today", day(TARGET + 1).isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 referral(s) past their response target reminded" in result.output
    assert "0 past twice the target escalated" in result.output
    again = runner.invoke(args=["send-reminders", "--today", day(TARGET + 1).isoformat()])
    assert again.exit_code == 0 and "0 referral(s) past" in again.output
    bad = runner.invoke(args=["send-reminders", "--today", "20-12-2026"])
    assert bad.exit_code == 2 and "Invalid value" in bad.output
    assert runner.invoke(args=["send-reminders"]).exit_code == 0  # today: nothing due yet for this referral


# --- two runs at once, on real connections ------------------------------------------------------------------------

def test_two_runs_at_once_queue_each_reminder_exactly_once(engine):
    with Session(engine, expire_on_commit=False) as session:
        leads = [make_user(session, ["service_lead"], services=[EARLY_HELP]) for _ in range(2)]
        make_user(session, ["admin"])
        key_worker = make_user(session, ["key_worker"], districts=["east-staffordshire"])
        rows = []
        for _ in range(6):
            record, _family = new_family(session, key_worker)
            row = send(session, key_worker, record)
            backdate(session, row)
            rows.append(row.id)
    barrier, results = threading.Barrier(2), [None, None]

    def run(number):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[number] = send_reminders(session, day(3 * TARGET))
            except Exception as error:  # noqa: BLE001 - reported below
                results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.reminded for r in results) == 6 and sum(r.escalated for r in results) == 6
    with Session(engine) as session:
        def count(template):
            return session.exec(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.template == template)).one()

        assert count("referral_reminder") == 6 * len(leads)
        assert count("referral_overdue") == 6
        assert count("referral_escalation") == 6  # one admin
        kinds = session.exec(select(ReferralEvent.kind, func.count()).where(ReferralEvent.actor == "system")
                             .group_by(ReferralEvent.kind)).all()
        assert dict(kinds) == {"reminder": 6, "escalation": 6}
        assert all(session.get(ServiceReferral, row_id).reminded_at is not None for row_id in rows)


def test_admins_see_the_referrals_without_a_reply_and_nothing_of_the_family(app, db_session, sent, people):
    (lead, _), admin = people
    app.config["WTF_CSRF_ENABLED"] = False

    def page_text(person=admin) -> str:
        client = app.test_client()  # signed in afresh: a reminders run ends the transaction the test shares
        sign_in(client, person)
        page = client.get("/admin/referrals-without-reply")
        return text_of(page.soup) if page.status_code == 200 else str(page.status_code)

    send_reminders(db_session, day(TARGET + 1))
    text = page_text()
    reference = lifecycle.reference_of(db_session, sent.row)
    assert reference in text and "Early Help family support" in text and lead.email in text
    assert "Twice the target" not in text
    send_reminders(db_session, day(2 * TARGET + 1))
    text = page_text()
    assert "Twice the target" in text and f"(target {TARGET})" in text
    escalation = messages(db_session, "referral_escalation", sent.row)[0]
    assert "/admin/referrals-without-reply" in escalation.body_text
    # Once the service replies, it leaves the list; a key worker may not see the page at all.
    lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "acknowledge", sent.row.version)
    assert reference not in page_text()
    assert page_text(sent.key_worker) == "403"
