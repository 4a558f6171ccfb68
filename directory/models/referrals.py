"""Referrals: one submission for a family, one service referral for each chosen service, with its consent."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedJSON, EncryptedText
from directory.models.accounts import utcnow

CONSENT_GIVERS = ("parent_with_parental_responsibility", "young_person_16_plus", "competent_child")
CONSENT_METHODS = ("verbal", "written", "online")

# A service referral's statuses (directory.referrals.lifecycle says which changes are allowed, and who may make
# them). Open ones can still change; a record may have only one open referral to each service.
OPEN_STATUSES = ("sent", "acknowledged", "information_requested", "accepted", "waiting_list", "appointment_offered")
FINAL_STATUSES = ("closed", "declined", "withdrawn")
STATUSES = OPEN_STATUSES + FINAL_STATUSES
_OPEN = text("status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")")


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
    __table_args__ = (
        UniqueConstraint("referral_id", "service_id"),
        # One open referral per record and service, even when two are sent at once.
        Index("uq_service_referral_open", "record_id", "service_id", unique=True, sqlite_where=_OPEN,
              postgresql_where=_OPEN),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True, ondelete="CASCADE")
    # The referral's record, here too, for the open-referral rule and the inbox.
    record_id: uuid.UUID = Field(foreign_key="family_record.id", index=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    status: str = Field(default="sent", max_length=30, index=True)
    # Bumped by every change: an action made on an older version is refused (optimistic locking).
    version: int = 1
    status_changed_at: datetime | None = None
    # Whether the service answers in this site (it had a lead when the referral was sent); if not, the referral
    # went by email, no clock runs, and the key worker records the service's answers.
    replies_here: bool = True
    # The service's response target in working days when the referral was sent (None: no clock).
    response_target_days: int | None = None
    # The service's first action (the response clock stops).
    first_response_at: datetime | None = None
    # On the waiting list: how many weeks the service expects.
    wait_weeks: int | None = None
    # The appointment offered: {"at": ISO datetime, "place": text, "video": bool}, encrypted.
    appointment: dict | None = Field(default=None, sa_column=Column(EncryptedJSON, nullable=True))
    # Why it ended: the closing outcome, the decline reason or "withdrawn" (codes; free text is in the timeline).
    outcome: str | None = Field(default=None, max_length=40)
    consent_withdrawn_at: datetime | None = None
    # Reminders sent (send-reminders): past the response target, and escalated at twice the target.
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    # Consent, recorded per service, or the reason a safeguarding referral goes without it.
    consent_given_by: str | None = Field(default=None, max_length=50)
    consent_method: str | None = Field(default=None, max_length=20)
    consent_at: datetime | None = None
    without_consent_reason: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    # For reports only, kept plain when it was sent: the family's district (None when it could not be placed)
    # and the areas of need (need-areas term codes). Never shown beside a child: reports count and suppress.
    # (No foreign key: a fact as it was when sent, added to a table others refer to, in place on SQLite.)
    district_id: uuid.UUID | None = Field(default=None, index=True)
    need_areas: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
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


EVENT_ACTORS = ("service", "key_worker", "family", "system")


class ReferralEvent(SQLModel, table=True):
    """One entry in a referral's timeline: sent, a status change, a question or answer, an appointment, a
    reminder. Events with no service referral belong to the whole record (a change, closing, reopening).
    directory.referrals.timeline decides what each reader sees of them."""

    __tablename__ = "referral_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    record_id: uuid.UUID = Field(foreign_key="family_record.id", index=True, ondelete="CASCADE")
    service_referral_id: uuid.UUID | None = Field(default=None, foreign_key="service_referral.id", index=True,
                                                  ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # The part the person played: the service, the key worker, the family, or the site itself (reminders).
    actor: str = Field(max_length=20)
    kind: str = Field(max_length=40)
    # The status after this event, when it changed one.
    status: str | None = Field(default=None, max_length=30)
    # Codes and free text (a question, a reason, an appointment's place): encrypted.
    detail: dict = Field(default_factory=dict, sa_column=Column(EncryptedJSON, nullable=False))
