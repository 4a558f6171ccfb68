"""Family records, written once in sections, and who may see them."""

import uuid
from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedJSON
from directory.models.accounts import utcnow

SECTIONS = ("child", "people", "needs", "story", "professionals")


class FamilyRecord(SQLModel, table=True):
    __tablename__ = "family_record"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Said on the phone and written on letters: FAM-XXXX-XXXX (directory.references).
    reference: str = Field(max_length=20, unique=True, index=True)
    # A keyed hash (HMAC) of the child's names and date of birth, so information governance can find a record
    # without the names being stored readable (directory.encryption.Keyring.lookup_hash).
    lookup_hash: str | None = Field(default=None, max_length=64, index=True)
    # Every family has one named key worker (None only until a self-referral is allocated).
    key_worker_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    # When the key worker was last given or taken away: how long the family has had this key worker, or (with
    # none) how long they have waited for one.
    key_worker_changed_at: datetime = Field(default_factory=utcnow)
    created_by_id: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Closed by the key worker (the reason is in the timeline); anonymised by retention when the schedule says.
    closed_at: datetime | None = None
    anonymised_at: datetime | None = None


class FamilySection(SQLModel, table=True):
    """One section of a record (child, people, needs, story) as the fields its form asks for."""

    __tablename__ = "family_section"
    __table_args__ = (UniqueConstraint("record_id", "section"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    record_id: uuid.UUID = Field(foreign_key="family_record.id", index=True, ondelete="CASCADE")
    section: str = Field(max_length=20)
    # Encrypted: names, dates of birth, needs and the family's own words.
    data: dict = Field(default_factory=dict, sa_column=Column(EncryptedJSON, nullable=False))
    completed: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class FamilyAccess(SQLModel, table=True):
    """A family member's account that may see and edit the record."""

    __tablename__ = "family_access"

    record_id: uuid.UUID = Field(foreign_key="family_record.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
