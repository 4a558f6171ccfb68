"""Freshness: leads are reminded of listings not checked for 6 months and admins told at 12, each email once per
checking cycle (two runs, two runs at once), not after "Still correct", again for a new cycle; the public page's
last-checked text (on SQLite and PostgreSQL)."""

import threading
from datetime import date

import pytest
from sqlmodel import Session, select

from directory.listings import quick_edits, writer
from directory.listings.freshness import is_out_of_date, months_before, send_freshness_reminders
from directory.models import OutboxMessage, Service
from tests.helpers.pages import text_of
from tests.helpers.people import make_user
from tests.helpers.referrals import AUTISM, EARLY_HELP

CHECKED = date(2026, 1, 15)


def service(session, slug=EARLY_HELP) -> Service:
    return session.exec(select(Service).where(Service.slug == slug)).one()


def checked_on(session, slug: str, day: date) -> Service:
    row = service(session, slug)
    writer.update_service(session, row.id, {"assured_date": day.isoformat()}, source="import")
    session.commit()
    return row


def messages(session, row: Service, template: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"freshness:%:{row.id}:%"))
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(session.exec(query.order_by(OutboxMessage.to_address)))


@pytest.fixture
def people(db_session):
    leads = [make_user(db_session, ["service_lead"], services=[EARLY_HELP]) for _ in range(2)]
    admin = make_user(db_session, ["admin"])
    return leads, admin


def test_months_and_out_of_date():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 12) == date(2025, 3, 15)
    assert not is_out_of_date(date(2026, 1, 15), date(2026, 7, 15))  # exactly 6 months: not yet
    assert is_out_of_date(date(2026, 1, 15), date(2026, 7, 16))
    assert is_out_of_date(None, date(2026, 7, 16))


def test_leads_are_reminded_once_at_six_months(db_session, people):
    leads, admin = people
    row = checked_on(db_session, EARLY_HELP, CHECKED)
    send_freshness_reminders(db_session, date(2026, 7, 15))
    assert messages(db_session, row) == []  # exactly six months: not yet
    summary = send_freshness_reminders(db_session, date(2026, 7, 16))
    sent = messages(db_session, row)
    assert sorted(m.to_address for m in sent) == sorted(lead.email for lead in leads)
    assert {m.template for m in sent} == {"listing_freshness"}
    assert summary.leads_reminded >= 1 and "not checked for 6 months" in summary.line()
    assert f"/your-services/{row.id}" in sent[0].body_text and "15 January 2026" in sent[0].body_text
    assert row.name in sent[0].subject
    send_freshness_reminders(db_session, date(2026, 7, 16))
    send_freshness_reminders(db_session, date(2026, 9, 1))
    assert len(messages(db_session, row)) == 2  # once per lead, however often it runs
    assert admin.email not in {m.to_address for m in messages(db_session, row)}


def test_admins_are_told_at_twelve_months_with_the_public_page(db_session, people):
    leads, admin = people
    row = checked_on(db_session, EARLY_HELP, CHECKED)
    send_freshness_reminders(db_session, date(2026, 8, 1))
    summary = send_freshness_reminders(db_session, date(2027, 1, 16))
    assert summary.admins_told >= 1
    [told] = messages(db_session, row, "listing_freshness_admin")
    assert told.to_address == admin.email and "12 months" in told.subject
    assert f"/services/{row.slug}" in told.body_text and "service leads have been reminded" in told.body_text
    send_freshness_reminders(db_session, date(2027, 1, 17))
    assert len(messages(db_session, row, "listing_freshness_admin")) == 1
    assert len(messages(db_session, row, "listing_freshness")) == len(leads)


def test_a_listing_with_no_lead_is_sent_to_the_admins_at_six_months(db_session, people):
    _leads, admin = people
    row = checked_on(db_session, AUTISM, CHECKED)
    send_freshness_reminders(db_session, date(2026, 7, 16))
    [told] = messages(db_session, row)
    assert (told.template, told.to_address) == ("listing_freshness_admin", admin.email)
    assert "6 months" in told.subject and "no service lead" in told.body_text
    send_freshness_reminders(db_session, date(2027, 1, 16))
    assert [m.subject for m in messages(db_session, row)].count(told.subject) == 1
    assert len(messages(db_session, row)) == 2  # and the 12-month one, once


def test_not_again_when_retention_has_deleted_the_sent_emails(db_session, people):
    row = checked_on(db_session, EARLY_HELP, CHECKED)
    send_freshness_reminders(db_session, date(2026, 7, 16))
    for message in messages(db_session, row):
        db_session.delete(message)  # as retention does, 90 days after sending
    db_session.commit()
    send_freshness_reminders(db_session, date(2026, 11, 1))
    assert messages(db_session, row) == []
    send_freshness_reminders(db_session, date(2027, 1, 16))  # the 12-month threshold is still told, once
    assert [m.template for m in messages(db_session, row)] == ["listing_freshness_admin"]


def test_no_reminder_after_still_correct_and_again_in_a_new_cycle(db_session, people):
    leads, _admin = people
    row = checked_on(db_session, EARLY_HELP, CHECKED)
    send_freshness_reminders(db_session, date(2026, 7, 16))
    assert len(messages(db_session, row)) == 2
    quick_edits.confirm(db_session, leads[0].id, row.id, today=date(2026, 7, 20))
    send_freshness_reminders(db_session, date(2026, 8, 1))
    send_freshness_reminders(db_session, date(2027, 1, 20))  # exactly six months after confirming
    assert len(messages(db_session, row)) == 2
    send_freshness_reminders(db_session, date(2027, 1, 21))
    sent = messages(db_session, row)
    assert len(sent) == 4 and sum("20 July 2026" in m.body_text for m in sent) == 2


def test_the_command_prints_a_summary(runner, db_session, people):
    row = checked_on(db_session, EARLY_HELP, CHECKED)
    result = runner.invoke(args=["send-freshness-reminders", "--today", "2026-07-16"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Freshness: ") and "sent to their leads" in result.output
    assert len(messages(db_session, row)) == 2
    assert runner.invoke(args=["send-freshness-reminders", "--today", "2026-07-16"]).exit_code == 0
    assert len(messages(db_session, row)) == 2
    assert runner.invoke(args=["send-freshness-reminders", "--today", "16-07-2026"]).exit_code != 0
    assert runner.invoke(args=["send-freshness-reminders"]).exit_code == 0


def test_the_public_page_says_when_it_was_last_checked(client, db_session):
    today = quick_edits.today_in_england()
    recent = months_before(today, 5)
    checked_on(db_session, EARLY_HELP, recent)
    text = text_of(client.get(f"/services/{EARLY_HELP}").soup)
    assert f"Last checked on {recent.day} {recent:%B %Y}." in text and "may be out of date" not in text
    old = months_before(today, 7)
    checked_on(db_session, EARLY_HELP, old)
    text = text_of(client.get(f"/services/{EARLY_HELP}").soup)
    assert f"Last checked on {old.day} {old:%B %Y}." in text
    assert "more than 6 months ago, so the information may be out of date" in text


# --- two runs at once, on real connections ------------------------------------------------------------------------

def test_two_runs_at_once_queue_each_reminder_exactly_once(engine):
    with Session(engine, expire_on_commit=False) as session:
        leads = [make_user(session, ["service_lead"], services=[EARLY_HELP]) for _ in range(2)]
        make_user(session, ["admin"])
        for slug in (EARLY_HELP, AUTISM):
            checked_on(session, slug, CHECKED)
    barrier, results = threading.Barrier(2), [None, None]

    def run(number):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[number] = send_freshness_reminders(session, date(2027, 2, 1))
            except Exception as error:  # noqa: BLE001 - reported below
                results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    with Session(engine) as session:
        early_help, autism = service(session, EARLY_HELP), service(session, AUTISM)
        assert len(messages(session, early_help, "listing_freshness")) == len(leads)
        assert len(messages(session, early_help, "listing_freshness_admin")) == 1
        assert len(messages(session, autism, "listing_freshness_admin")) == 2  # no lead: at 6 and at 12 months
        # Between them the two runs did every listing; a third finds nothing left to send.
        again = send_freshness_reminders(session, date(2027, 2, 1))
        assert (again.leads_reminded, again.admins_told) == (0, 0)
