"""Queue an email in the outbox, in the same transaction as the change that causes it."""

from sqlmodel import Session

from directory.models import OutboxMessage


def queue_email(session: Session, to_address: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(template="plain", to_address=to_address, subject=subject, body_text=body)
    session.add(message)
    return message
