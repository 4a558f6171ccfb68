"""Accounts: create users and check passwords (argon2)."""

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from directory.models import User, UserRole
from directory.models.accounts import ROLES

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
