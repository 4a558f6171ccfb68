"""Accounts: create users, check passwords (argon2), and single-use emailed links for resets and invitations."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from directory.models import AccountToken, User, UserRole
from directory.models.accounts import ROLES, utcnow
from directory.notify import queue_email

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def user_roles(session: Session, user: User) -> set[str]:
    return set(session.exec(select(UserRole.role).where(UserRole.user_id == user.id)))


def create_user(session: Session, email: str, name: str, roles: list[str], password: str | None) -> User:
    """Add a user; the caller commits. Raises AccountError with a message fit to show."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(f"Enter an email address in the correct format, like name@example.com ({error})") from None
    if not name.strip():
        raise AccountError("Enter the person's name")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise AccountError(f"Choose one or more roles from: {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")
    if get_user_by_email(session, email):
        raise AccountError(f"There is already an account for {email}")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    return user


# --- single-use links ------------------------------------------------------------------------------------------

TOKEN_LIFETIMES = {"reset_password": timedelta(hours=1), "invitation": timedelta(days=7)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: str) -> str:
    """A new link token; earlier unused ones for the same purpose stop working."""
    for old in session.exec(select(AccountToken).where(AccountToken.user_id == user.id,
                                                       AccountToken.purpose == purpose,
                                                       AccountToken.used_at.is_(None))):
        old.used_at = utcnow()
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token),
                             expires_at=utcnow() + TOKEN_LIFETIMES[purpose]))
    session.flush()
    return token


def user_for_token(session: Session, token: str, purpose: str) -> User | None:
    """The user a valid, unused, unexpired token belongs to, or None."""
    row = session.exec(select(AccountToken).where(AccountToken.token_hash == _hash(token),
                                                  AccountToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or _aware(row.expires_at) < utcnow():
        return None
    return session.get(User, row.user_id)


def use_token(session: Session, token: str, purpose: str, password: str) -> User | None:
    """Set the password through a link and spend the link; None if the link is not valid."""
    user = user_for_token(session, token, purpose)
    if user is None:
        return None
    row = session.exec(select(AccountToken).where(AccountToken.token_hash == _hash(token))).one()
    row.used_at = utcnow()
    set_password(user, password)
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    user.session_version += 1  # sign out every other session


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = get_user_by_email(session, email or "")
    if user is None or not user.is_active:
        hash_password(password or "x")  # the same work either way, so timing does not reveal accounts
        return None
    return user if password_matches(user, password or "") else None


def send_password_reset(session: Session, email: str, link_for: Callable[[str], str]) -> None:
    """Email a reset link if the account exists; say nothing either way (no account discovery)."""
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    link = link_for(issue_token(session, user, "reset_password"))
    queue_email(session, user.email, "Reset your password",
                f"Hello {user.name},\n\nUse this link to choose a new password. It works once, for 1 hour:\n\n"
                f"{link}\n\nIf you did not ask for this, you can ignore this email.")


def invite_user(session: Session, email: str, name: str, roles: list[str], link_for: Callable[[str], str]) -> User:
    """Create an account without a password and email a link to set one."""
    user = create_user(session, email, name, roles, password=None)
    link = link_for(issue_token(session, user, "invitation"))
    queue_email(session, user.email, "You have been invited to the SEND services directory",
                f"Hello {user.name},\n\nAn account has been made for you. Use this link to choose your password. "
                f"It works once, for 7 days:\n\n{link}\n")
    return user
