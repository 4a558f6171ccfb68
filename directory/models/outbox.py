"""Messages waiting to be sent, written in the same transaction as the change that causes them."""

import uuid
from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedText
from directory.models.accounts import utcnow

OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxMessage(SQLModel, table=True):
    """One email. A sender claims it (FOR UPDATE SKIP LOCKED on PostgreSQL, a lease on SQLite), sends it, and
    marks it sent; a failed attempt waits `next_attempt_at`; after the last attempt it is failed and stays visible
    until `send-notifications --retry-failed`. The body is encrypted, and removed once delivered (retention)."""

    __tablename__ = "outbox_message"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The template it was rendered from (templates/emails/<template>.txt and .html).
    template: str = Field(max_length=100)
    # A message that must be queued once only (a reminder) carries a key; a second run's copy is refused.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    body_html: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    # The sender that holds it and until when; a sender that died loses its claim when the lease runs out.
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    # When the body was removed after delivery.
    redacted_at: datetime | None = None
    # The error's kind only (never its message, which can quote an address).
    last_error: str | None = None
