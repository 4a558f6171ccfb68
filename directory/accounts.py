"""Accounts: create users, sign in with the same answer and the same work whatever exists, change passwords."""

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from directory import passwords
from directory.models import User, UserRole
from directory.models.accounts import ROLES, utcnow


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    """The address as accounts store it; raises AccountError with a message fit to show."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError("Enter an email address in the correct format, like name@example.com") from None


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == (email or "").strip().lower())).first()


def user_roles(session: Session, user: User) -> set[str]:
    return set(session.exec(select(UserRole.role).where(UserRole.user_id == user.id)))


def is_staff(roles: set[str]) -> bool:
    return bool(roles - {"family"})


def create_user(session: Session, email: str, name: str, roles: list[str], password: str | None,
                confirmed: bool = True) -> User:
    """Add a user; the caller commits. An account made with a password by an admin counts as confirmed."""
    email = normalise_email(email)
    if not (name or "").strip():
        raise AccountError("Enter the person's name")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise AccountError(f"Choose one or more roles from: {', '.join(ROLES)}")
    if password is not None and (message := passwords.problem(password)):
        raise AccountError(message)
    if get_user_by_email(session, email):
        raise AccountError(f"There is already an account for {email}")
    user = User(email=email, name=name.strip(),
                password_hash=passwords.hash_password(password) if password else None,
                email_confirmed_at=utcnow() if confirmed and password else None)
    session.add(user)
    session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, if the address and password are right and the account is usable. Unknown, invited-but-unset,
    unconfirmed and inactive accounts cost the same single hash check and give the same None."""
    user = get_user_by_email(session, email or "")
    usable = user is not None and user.is_active and user.email_confirmed_at is not None
    matches = passwords.verify(user.password_hash if usable else None, password)
    return user if usable and matches else None


def set_password(user: User, password: str) -> None:
    """Change the password and end every session signed in before (sign out everywhere)."""
    if message := passwords.problem(password):
        raise AccountError(message)
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1
