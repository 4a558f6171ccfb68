"""Referrals: one submission for a family, one service referral for each chosen service, with its consent."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedJSON, EncryptedText
from directory.models.accounts import utcnow

CONSENT_GIVERS = ("parent_with_parental_responsibility", "young_person_16_plus", "competent_child")
CONSENT_METHODS = ("verbal", "written", "online")


class Referral(SQLModel, table=True):
    __tablename__ = "referral"
    __table_args__ = (UniqueConstraint("idempotency_key"), UniqueConstraint("reference"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=20)
    record_id: uuid.UUID = Field(foreign_key="family_record.id", index=True)
    submitted_by_id: uuid.UUID = Field(foreign_key="user_account.id")
    submitted_at: datetime = Field(default_factory=utcnow)
    # One per form: a double click, a resubmitted form or a retried request finds the referral it made.
    idempotency_key: str = Field(max_length=64)
    self_referral: bool = False


class ServiceReferral(SQLModel, table=True):
    __tablename__ = "service_referral"
    __table_args__ = (UniqueConstraint("referral_id", "service_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    status: str = Field(default="sent", max_length=30)
    # Consent, recorded per service, or the reason a safeguarding referral goes without it.
    consent_given_by: str | None = Field(default=None, max_length=50)
    consent_method: str | None = Field(default=None, max_length=20)
    consent_at: datetime | None = None
    without_consent_reason: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    # Exactly the fields this service receives (names, plain), and their values when it was sent (encrypted).
    shared_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sent_snapshot: dict = Field(default_factory=dict, sa_column=Column(EncryptedJSON, nullable=False))


class ReferralDraft(SQLModel, table=True):
    """The services being chosen for a record and the consent for each, kept on the server between the pages
    (one draft per record and person), so it survives a lost cookie and a second device. Purged after 30 days
    untouched (retention)."""

    __tablename__ = "referral_draft"
    __table_args__ = (UniqueConstraint("record_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    record_id: uuid.UUID = Field(foreign_key="family_record.id", index=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # {"services": [ids], "consent": {id: {...}}, "key": idempotency key}: encrypted (safeguarding reasons).
    data: dict = Field(default_factory=dict, sa_column=Column(EncryptedJSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
