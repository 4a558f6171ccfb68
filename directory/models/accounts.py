"""People who sign in, the roles they hold, the services and areas they work in, and their account links."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from directory.encryption import EncryptedText

ROLES = ("family", "key_worker", "service_lead", "admin", "information_governance")


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=500)
    is_active: bool = True
    # When an admin deactivated the account (it cannot sign in; its history stays).
    deactivated_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Changes when the password changes, so that sessions signed in before then end.
    session_version: int = 0
    # Key workers: how many open family records they may hold (None: the site's default).
    caseload_limit: int | None = None
    # Staff: a work phone number, shown to the families they work with.
    work_phone: str | None = Field(default=None, max_length=40)
    # When the person proved they own the address (a confirmation, invitation or reset link, or made by an admin).
    email_confirmed_at: datetime | None = None
    # A second factor (TOTP): the shared secret, when it was turned on, and the last time step used (no replays).
    totp_secret: str | None = Field(default=None, sa_column=Column(EncryptedText, nullable=True))
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=30, primary_key=True)


class ServiceMembership(SQLModel, table=True):
    """A service lead (or other member) of a service: their powers apply to these services only."""

    __tablename__ = "service_membership"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE")


class KeyWorkerArea(SQLModel, table=True):
    """A district a key worker takes new families from."""

    __tablename__ = "key_worker_area"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    district_id: uuid.UUID = Field(foreign_key="district.id", primary_key=True)


TOKEN_PURPOSES = ("reset_password", "invitation", "confirm_email", "record_invitation")


class AccountToken(SQLModel, table=True):
    """A single-use link sent by email (password reset, invitation or email confirmation). Only a hash is kept."""

    __tablename__ = "account_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=30)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code for signing in without the authenticator app. Only a hash of the code is kept."""

    __tablename__ = "recovery_code"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in (or form-filling) browser session kept on the server; the cookie holds only a random id.
    The row is keyed by a hash of that id, so the table alone cannot be used to take over a session."""

    __tablename__ = "web_session"

    id: str = Field(max_length=64, primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(index=True)
