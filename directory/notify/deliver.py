"""Deliver what waits in the outbox over SMTP."""

import smtplib
from email.message import EmailMessage

from sqlmodel import Session, select

from directory.models import OutboxMessage
from directory.models.accounts import utcnow

MAX_ATTEMPTS = 5


def deliver_outbox(session: Session, host: str, port: int, sender: str) -> tuple[int, int]:
    """Send what is waiting; returns (sent, failed). Each message is committed as it goes."""
    sent = failed = 0
    waiting = session.exec(
        select(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.created_at)
    ).all()
    for message in waiting:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = sender, message.to_address, message.subject
        email.set_content(message.body_text)
        message.attempts += 1
        try:
            with smtplib.SMTP(host, port, timeout=10) as smtp:
                smtp.send_message(email)
            message.sent_at = utcnow()
            message.status = "sent"
            message.last_error = None
            sent += 1
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = error.__class__.__name__
            failed += 1
        session.commit()
    return sent, failed
