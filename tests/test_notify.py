"""The outbox: emails rendered from templates, claimed by one sender each, delivered over SMTP to a real (local) mail
server, retried with backoff, kept when they fail, and emptied of their body once delivered."""

import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from email import message_from_string
from email.utils import parsedate_to_datetime

import pytest
from jinja2 import UndefinedError
from sqlalchemy import update
from sqlmodel import Session, select

from directory import migrate
from directory.db import Database, begin_write
from directory.models import OutboxMessage
from directory.models.accounts import utcnow
from directory.notify import deliver as outbox
from directory.notify.queue import queue
from directory.notify.smtp import SmtpSettings
from directory.notify.templates import TEMPLATE_FOLDER, TemplateError, render
from tests.helpers.smtp import free_port, running_smtp_server, self_signed_certificate

MAIL_FROM = "Find SEND support <directory@example.org>"
SITE = "https://send.example.org"
# What each template needs; every template in templates/emails must be here, so each is rendered by a test.
SAMPLES = {
    "reset_password": {"name": "Pat Parent", "link": f"{SITE}/reset-password/abc"},
    "invitation": {"name": "Lee Lead", "link": f"{SITE}/accept-invitation/abc"},
    "account_exists": {"sign_in_link": f"{SITE}/sign-in", "reset_link": f"{SITE}/reset-password"},
    "confirm_email": {"name": "Pat Parent", "link": f"{SITE}/confirm-email/abc"},
    "key_worker_allocated": {},
    "your_key_worker": {"name": "Pat Parent", "key_worker_name": "Free Fran"},
    "key_worker_left": {"name": "Pat Parent"},
    "password_changed": {},
    "second_factor_reset": {},
    "record_invitation": {"name": "Pat Parent", "key_worker": "Kim Keyworker", "link": f"{SITE}/accept-invitation/a"},
    "record_invitation_sign_in": {"name": "Pat Parent", "key_worker": "Kim Keyworker",
                                  "link": f"{SITE}/families/join/abc"},
    "referral_update": {"what": "A referral has been accepted.", "reference": "REF-ABCD-EFGH",
                        "link": "/service-referrals/abc"},
    "new_referral": {"what": "A new referral has been sent to your service.", "reference": "REF-ABCD-EFGH",
                     "link": "/service-referrals/abc"},
    "referral_reminder": {"reference": "REF-ABCD-EFGH", "link": "/service-referrals/abc", "days": "10"},
    "referral_overdue": {"reference": "REF-ABCD-EFGH", "link": "/service-referrals/abc", "days": "10"},
    "referral_escalation": {"reference": "REF-ABCD-EFGH", "link": "/admin/referrals-without-reply", "days": "10"},
    "problem_report": {"service": "Early Help family support", "link": "/your-services/problem-reports"},
    "listing_freshness": {"service_name": "Early Help Family Support", "assured_date": "15 January 2026",
                          "link": "/your-services/abc"},
    "listing_freshness_admin": {"service_name": "Early Help Family Support", "assured_date": "15 January 2026",
                                "link": "/services/early-help-family-support", "months": "12", "has_lead": "yes"},
    "change_request_admin": {"service_name": "Early Help family support", "requested_by": "Lee Lead",
                             "section": "About the service", "link": "/admin/change-requests/abc"},
    "change_request_decided": {"service_name": "Early Help family support", "section": "About the service",
                               "decision": "rejected", "reason": "Please add the opening hours",
                               "link": "/your-services/abc"},
    "new_referral_by_email": {"reference": "REF-ABCD-EFGH", "key_worker_name": "Kim Keyworker",
                              "key_worker_email": "kim@example.org", "key_worker_phone": "01234 567890"},
}


def settings(port: int, **changes) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "mail_from": MAIL_FROM, **changes})


def rows(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.created_at)
                             .execution_options(populate_existing=True)))


def queue_some(session: Session, count: int, **fields) -> list[uuid.UUID]:
    """`count` password-changed emails to different people, committed; `fields` overrides columns (e.g. an
    earlier next_attempt_at)."""
    messages = []
    for number in range(count):
        message = queue(session, f"person{number}@example.org", "password_changed")
        for name, value in fields.items():
            setattr(message, name, value)
        messages.append(message)
    session.commit()
    return [message.id for message in messages]


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def smtp_app(app, smtp_server):
    port, _ = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM=MAIL_FROM, SITE_URL=SITE)
    return app


# --- templates and queueing -------------------------------------------------------------------------------------


def test_every_template_renders_a_subject_text_and_simple_html():
    names = {path.stem for path in TEMPLATE_FOLDER.glob("*.txt") if not path.stem.startswith("_")}
    assert names == set(SAMPLES)
    for name, context in SAMPLES.items():
        email = render(name, site_url=SITE, **context)
        assert email.subject and "\n" not in email.subject, name
        assert email.text.rstrip().endswith(f"{SITE}/"), name  # every email links to the site
        assert email.html and f'href="{SITE}/"' in email.html, name
        for banned in ("<img", "<script", "<style", "<link", "<form", "<iframe"):
            assert banned not in email.html.lower(), (name, banned)
        for link in (value for value in context.values() if value.startswith("https://")):
            assert link in email.text and f'href="{link}"' in email.html, (name, link)


def test_names_are_escaped_in_html_and_plain_in_text():
    email = render("your_key_worker", site_url=SITE, name="Sam <b>&</b>", key_worker_name="Free Fran")
    assert "Hello Sam <b>&</b>," in email.text and "Your key worker is Free Fran." in email.text
    assert "Hello Sam &lt;b&gt;&amp;&lt;/b&gt;," in email.html and "<b>" not in email.html


def test_a_missing_value_or_a_name_that_is_not_a_template_is_an_error():
    with pytest.raises(UndefinedError):
        render("reset_password", site_url=SITE, name="Pat")  # no link
    for name in ("../base", "_footer", "reset_password.txt"):
        with pytest.raises(TemplateError):
            render(name, site_url=SITE)


def test_queue_renders_into_the_callers_transaction(app, db_session):
    app.config["SITE_URL"] = SITE
    with app.app_context():
        message = queue(db_session, "parent@example.org", "your_key_worker", name="Pat Parent",
                        key_worker_name="Free Fran")
    assert (message.template, message.subject, message.status) == ("your_key_worker", "Your key worker", "queued")
    assert "Your key worker is Free Fran." in message.body_text and f"{SITE}/" in message.body_text
    assert "<p" in message.body_html
    db_session.rollback()
    assert rows(db_session) == []


# --- delivery ---------------------------------------------------------------------------------------------------


def test_send_notifications_delivers_with_headers_and_redacts_the_body(smtp_app, runner, db_session, smtp_server):
    _, inbox = smtp_server
    with smtp_app.app_context():
        message = queue(db_session, "parent@example.org", "reset_password", name="Pat Parent",
                        link=f"{SITE}/reset-password/secret-token")
    db_session.commit()
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 email(s)." in result.output
    [(recipients, content)] = inbox.messages
    email = message_from_string(content)
    assert recipients == ["parent@example.org"] and email["Subject"] == "Reset your password"
    assert email["From"] == MAIL_FROM and email["To"] == "parent@example.org"
    assert email["Message-ID"] == f"<{message.id}@example.org>"
    assert parsedate_to_datetime(email["Date"]) == message.created_at.replace(microsecond=0)
    assert email.get_content_type() == "multipart/alternative"
    text, html = email.get_payload()
    assert "/reset-password/secret-token" in text.get_payload(decode=True).decode()
    assert html.get_content_type() == "text/html" and 'href="https://send.example.org/reset-password/secret-token"' \
        in html.get_payload(decode=True).decode()
    [sent] = rows(db_session)
    # Nothing usable stays in the database: the body (and the link in it) is gone; who and what stay.
    assert sent.body_text is None and sent.body_html is None and sent.redacted_at is not None
    assert (sent.to_address, sent.subject, sent.status, sent.attempts) == ("parent@example.org",
                                                                           "Reset your password", "sent", 1)
    assert sent.sent_at is not None and sent.claimed_by is None and sent.claimed_until is None
    again = runner.invoke(args=["send-notifications"])
    assert again.exit_code == 0 and "Sent 0 email(s)." in again.output
    assert len(inbox.messages) == 1


def test_a_retried_message_has_the_same_message_id_and_date(db_session, smtp_server):
    port, inbox = smtp_server
    [message_id] = queue_some(db_session, 1)
    start = utcnow() + timedelta(seconds=1)
    inbox.refuse_next("451 4.3.0 Try again later")
    first = outbox.deliver(db_session, settings(port), now=start)
    assert (first.sent, first.retrying, first.waiting) == (0, 1, 1)
    [message] = rows(db_session)
    assert message.attempts == 1 and message.last_error == "SMTPDataError" and message.body_text
    assert message.next_attempt_at == start + timedelta(minutes=1) and message.claimed_by is None
    assert outbox.deliver(db_session, settings(port), now=start + timedelta(seconds=59)).sent == 0  # not yet due
    second = outbox.deliver(db_session, settings(port), now=start + timedelta(minutes=1))
    assert second.sent == 1 and second.ok
    refused, accepted = inbox.received
    assert not refused.accepted and accepted.accepted
    assert refused.message_id == accepted.message_id == f"<{message_id}@example.org>"
    headers = [message_from_string(received.content)["Date"] for received in inbox.received]
    assert headers[0] == headers[1]


def test_a_dropped_connection_is_opened_again_for_the_next_message(db_session, smtp_server):
    port, inbox = smtp_server
    queue_some(db_session, 3)
    inbox.refuse_next("421 4.4.2 Closing the connection")  # smtplib closes its connection after a 421
    result = outbox.deliver(db_session, settings(port), now=utcnow() + timedelta(seconds=1))
    assert (result.sent, result.retrying) == (2, 1)
    assert len(inbox.messages) == 2
    assert [message.last_error for message in rows(db_session) if message.status == "queued"] == ["SMTPDataError"]


def test_backoff_then_failed_then_retry_failed(db_session):
    port = free_port()  # nothing listens there yet
    ids = queue_some(db_session, 2)
    moment = utcnow() + timedelta(seconds=1)
    for attempt, wait in enumerate([1, 5, 30, 120], start=1):
        result = outbox.deliver(db_session, settings(port), now=moment)
        assert (result.sent, result.retrying, result.newly_failed) == (0, 2, 0)
        for message in rows(db_session):
            assert message.attempts == attempt and message.last_error == "ConnectionRefusedError"
            assert message.next_attempt_at == moment + timedelta(minutes=wait) and message.status == "queued"
        # Not due a moment before the wait is over.
        assert outbox.deliver(db_session, settings(port), now=moment + timedelta(minutes=wait, seconds=-1)) \
            == outbox.DeliveryResult(waiting=2)
        moment += timedelta(minutes=wait)
    last = outbox.deliver(db_session, settings(port), now=moment)
    assert (last.retrying, last.newly_failed, last.failed_total) == (0, 2, 2) and not last.ok
    for message in rows(db_session):
        assert message.status == "failed" and message.failed_at == moment and message.attempts == 5
        assert message.body_text  # kept (encrypted) for --retry-failed
    with running_smtp_server(port=port) as (_, inbox):
        later = outbox.deliver(db_session, settings(port), now=moment + timedelta(days=1))
        assert later.sent == 0 and later.failed_total == 2 and not later.ok  # failed stays failed, visibly
        assert outbox.retry_failed(db_session, now=moment + timedelta(days=1)) == 2
        done = outbox.deliver(db_session, settings(port), now=moment + timedelta(days=1))
    assert (done.sent, done.failed_total) == (2, 0) and done.ok
    assert sorted(inbox.message_ids()) == sorted(f"<{message_id}@example.org>" for message_id in ids)


def test_the_command_fails_while_anything_is_failed(app, runner, db_session):
    port = free_port()  # SMTP is down
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM=MAIL_FROM)
    yesterday = utcnow() - timedelta(days=1)
    queue_some(db_session, 2, created_at=yesterday, next_attempt_at=yesterday)
    # Four attempts failed yesterday; the fifth is due now.
    for minutes in (0, 1, 6, 36):
        outbox.deliver(db_session, settings(port), now=yesterday + timedelta(minutes=minutes))
    queue_some(db_session, 1)
    down = runner.invoke(args=["send-notifications"])
    assert down.exit_code == 1
    assert "Sent 0 email(s)." in down.output
    assert "1 could not be sent and will be tried again later." in down.output
    assert "2 could not be sent after 5 attempts and failed." in down.output
    assert "1 email(s) are waiting for a later attempt." in down.output
    assert "2 failed email(s) in all are kept in the outbox" in down.output and "--retry-failed" in down.output
    with running_smtp_server(port=port) as (_, inbox):
        still = runner.invoke(args=["send-notifications"])  # the queued one is not due yet; failed stay failed
        assert still.exit_code == 1 and "2 failed email(s) in all" in still.output
        retried = runner.invoke(args=["send-notifications", "--retry-failed"])
        assert retried.exit_code == 0, retried.output
        assert "2 failed email(s) put back in the queue." in retried.output and "Sent 2 email(s)." in retried.output
        db_session.exec(update(OutboxMessage).where(OutboxMessage.status == "queued")
                           .values(next_attempt_at=utcnow()))
        db_session.commit()
        last = runner.invoke(args=["send-notifications"])
    assert last.exit_code == 0 and "Sent 1 email(s)." in last.output
    assert len(inbox.messages) == 3 and {message.status for message in rows(db_session)} == {"sent"}


def test_a_sender_that_died_loses_its_claim_when_the_lease_runs_out(db_session, smtp_server):
    port, inbox = smtp_server
    queue_some(db_session, 1)
    start = utcnow() + timedelta(seconds=1)
    assert len(outbox.claim_batch(db_session, "a-sender-that-died", start)) == 1
    held = outbox.deliver(db_session, settings(port), now=start + timedelta(minutes=4))
    assert held.sent == 0 and inbox.messages == []
    taken = outbox.deliver(db_session, settings(port), now=start + outbox.LEASE)
    assert taken.sent == 1 and len(inbox.messages) == 1


def test_settings_refuse_a_password_without_starttls(app, runner):
    app.config.update(SMTP_USERNAME="mailer", SMTP_PASSWORD="secret", SMTP_STARTTLS=False)
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 1 and "SMTP_STARTTLS" in result.output


def test_starttls_and_auth_login_with_a_trusted_certificate(app, runner, db_session, tmp_path):
    certificate = self_signed_certificate(tmp_path)
    with running_smtp_server(certificate=certificate, login=("mailer", "s3cret pass")) as (port, inbox):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM=MAIL_FROM, SMTP_STARTTLS=True,
                          SMTP_USERNAME="mailer", SMTP_PASSWORD="s3cret pass")
        queue_some(db_session, 2)
        # The certificate is not trusted until SMTP_CA_FILE names it: nothing is sent, no password either.
        untrusted = runner.invoke(args=["send-notifications"])
        assert untrusted.exit_code == 1 and inbox.received == [] and inbox.logins == []
        assert {message.last_error for message in rows(db_session)} == {"SSLCertVerificationError"}
        db_session.exec(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db_session.commit()
        app.config["SMTP_CA_FILE"] = str(certificate[0])
        trusted = runner.invoke(args=["send-notifications"])
        assert trusted.exit_code == 0, trusted.output
    assert len(inbox.messages) == 2
    assert all(received.tls and received.login == "mailer" for received in inbox.received)
    assert inbox.logins == [("LOGIN", "mailer")]  # one connection, one login, for the batch


def test_a_server_that_requires_starttls_gets_nothing_in_the_clear(db_session, tmp_path):
    with running_smtp_server(certificate=self_signed_certificate(tmp_path)) as (port, inbox):
        queue_some(db_session, 1)
        result = outbox.deliver(db_session, settings(port), now=utcnow() + timedelta(seconds=1))
    assert result.retrying == 1 and inbox.received == []


# --- several senders at once, on a real database -----------------------------------------------------------------


@pytest.fixture
def database_url(fresh_app):
    migrate.upgrade(fresh_app.extensions["db"].engine)
    return fresh_app.config["DATABASE_URL"]


def test_a_claim_skips_rows_that_another_sender_is_claiming(database_url, backend):
    """On PostgreSQL the second sender skips the locked rows without waiting; on SQLite it waits for the write
    lock, then finds them claimed. Either way the two claims do not overlap."""
    database, other = Database(database_url), Database(database_url)
    with Session(database.engine) as session:
        queue_some(session, 10)
    now = utcnow() + timedelta(seconds=1)
    first, claimed = Session(database.engine), {}
    begin_write(first)
    locked = list(first.exec(select(OutboxMessage.id).limit(4).with_for_update(skip_locked=True)))

    def second_sender():
        with Session(other.engine) as session:
            claimed["second"] = {message.id for message, _ in outbox.claim_batch(session, "second", now)}

    thread = threading.Thread(target=second_sender)
    thread.start()
    if backend == "postgresql":
        thread.join(timeout=10)
        assert not thread.is_alive(), "the second sender waited for the first one's locks"
    first.exec(update(OutboxMessage).where(OutboxMessage.id.in_(locked)).values(claimed_by="first",
                                                                                claimed_until=now + outbox.LEASE))
    first.commit()
    first.close()
    thread.join(timeout=20)
    database.engine.dispose()
    other.engine.dispose()
    assert len(claimed["second"]) == 6 and not claimed["second"] & set(locked)


def test_two_senders_deliver_300_messages_each_exactly_once(database_url, smtp_server):
    port, inbox = smtp_server
    database = Database(database_url)
    with Session(database.engine) as session:
        ids = queue_some(session, 300)
    barrier, results = threading.Barrier(2), {}

    def run(name):
        database = Database(database_url)  # its own engine, as another process or server would have
        with Session(database.engine) as session:
            barrier.wait()
            results[name] = outbox.deliver(session, settings(port))
        database.engine.dispose()

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    assert set(results) == {"one", "two"}, "a sender did not finish"
    assert results["one"].sent + results["two"].sent == 300
    assert results["one"].sent and results["two"].sent, results  # both took part
    received = Counter(inbox.message_ids())
    assert len(received) == 300 and set(received.values()) == {1}, "a message was sent twice"
    assert set(received) == {f"<{message_id}@example.org>" for message_id in ids}
    with Session(database.engine) as session:
        messages = rows(session)
    database.engine.dispose()
    assert {message.status for message in messages} == {"sent"}
    assert all(message.body_text is None and message.redacted_at for message in messages)
    print(f"300 messages, two senders: {elapsed:.1f} s ({results['one'].sent} + {results['two'].sent})")
