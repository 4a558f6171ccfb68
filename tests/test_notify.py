"""Emails wait in the outbox and are delivered over SMTP to a real (local) mail server."""

import time

import pytest
from sqlmodel import select

from directory.models import OutboxMessage
from directory.notify.queue import queue_email
from tests.helpers.smtp import free_port, running_smtp_server


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


def test_outbox_is_delivered_once(app, runner, db_session, smtp_server):
    port, inbox = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="directory@example.org")
    queue_email(db_session, "parent@example.org", "Your key worker", "Your key worker is Kim.")
    db_session.commit()
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    deadline = time.time() + 5
    while not inbox.messages and time.time() < deadline:
        time.sleep(0.05)
    [(recipients, content)] = inbox.messages
    assert recipients == ["parent@example.org"] and "Your key worker is Kim." in content
    message = db_session.exec(select(OutboxMessage)).one()
    assert message.sent_at is not None and message.attempts == 1
    assert "Sent 0 email(s)" in runner.invoke(args=["send-notifications"]).output


def test_failed_delivery_stays_in_the_outbox(app, runner, db_session):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    queue_email(db_session, "parent@example.org", "Subject", "Body")
    db_session.commit()
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 1 and "1 could not be sent" in result.output
    message = db_session.exec(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1 and message.last_error
