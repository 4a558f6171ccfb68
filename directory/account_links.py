"""Single-use links sent by email: password resets, invitations and email confirmations. Only a hash of each
token is stored; a token is spent by one conditional update, so it works once even when used in parallel."""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select, update

from directory import accounts
from directory.db import claim
from directory.models import AccountToken, User
from directory.models.accounts import utcnow
from directory.notify.queue import queue

LIFETIMES = {"reset_password": timedelta(hours=1), "invitation": timedelta(days=7),
             "confirm_email": timedelta(hours=24), "record_invitation": timedelta(days=7)}
# Turns a token into the absolute link an email carries (built from SITE_URL, see directory/links.py).
LinkFor = Callable[[str], str]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue(session: Session, user: User, purpose: str) -> str:
    """A new link token; earlier unused ones for the same purpose stop working."""
    session.exec(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                            AccountToken.used_at.is_(None)).values(used_at=utcnow()))
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token),
                             expires_at=utcnow() + LIFETIMES[purpose]))
    session.flush()
    return token


def issue_bound(session: Session, user: User, purpose: str, bound_to: str) -> str:
    """A new link token that carries `bound_to` (such as a record's id) before a dot. Only the hash of the whole
    token is stored, so the part it is bound to cannot be changed; other unused links of this purpose stay valid
    (they are bound to other things)."""
    token = f"{bound_to}.{secrets.token_urlsafe(32)}"
    session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token),
                             expires_at=utcnow() + LIFETIMES[purpose]))
    session.flush()
    return token


def bound_to(token: str) -> str | None:
    """What a token made by `issue_bound` is bound to (check the token itself with `user_for` or `spend`)."""
    bound, dot, _secret = (token or "").partition(".")
    return bound if dot and bound else None


def _valid_row(session: Session, token: str, purpose: str) -> AccountToken | None:
    row = session.exec(select(AccountToken).where(AccountToken.token_hash == _hash(token or ""),
                                                  AccountToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or _aware(row.expires_at) < utcnow():
        return None
    return row


def user_for(session: Session, token: str, purpose: str) -> User | None:
    """The user a valid, unused, unexpired token belongs to, or None."""
    row = _valid_row(session, token, purpose)
    return session.get(User, row.user_id) if row else None


def spend(session: Session, token: str, purpose: str) -> User | None:
    """Mark the token used if nobody has, in one conditional update; the user, or None if the link is not valid
    (or another request spent it first). Call it before any other write in the transaction."""
    row = _valid_row(session, token, purpose)
    if row is None:
        return None
    spent = claim(session, update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                  .values(used_at=utcnow()))
    return session.get(User, row.user_id) if spent == 1 else None


def use_to_set_password(session: Session, token: str, purpose: str, password: str) -> User | None:
    """Spend the link and set the password; following the link proves the address. None if not valid."""
    user = spend(session, token, purpose)
    if user is None:
        return None
    accounts.set_password(user, password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


# --- the emails that carry them ---------------------------------------------------------------------------------


def send_password_reset(session: Session, email: str, link_for: LinkFor) -> bool:
    """Email a reset link if the account exists; the caller says the same either way. True if one was queued."""
    user = accounts.get_user_by_email(session, email)
    if user is None or not user.is_active:
        return False
    link = link_for(issue(session, user, "reset_password"))
    queue(session, user.email, "reset_password", name=user.name, link=link)
    return True


def invite_user(session: Session, email: str, name: str, roles: list[str], link_for: LinkFor) -> User:
    """Create an account without a password and email a link to set one."""
    user = accounts.create_user(session, email, name, roles, password=None)
    link = link_for(issue(session, user, "invitation"))
    queue(session, user.email, "invitation", name=user.name, link=link)
    return user


def register_family(session: Session, email: str, name: str, link_for: LinkFor, sign_in_link: str,
                    reset_link: str) -> None:
    """A family asks for an account. The page says "Check your email" whatever happens; the email says what to
    do: confirm the address and choose a password, or, if the address already has an account, sign in."""
    email = accounts.normalise_email(email)
    user = accounts.get_user_by_email(session, email)
    if user is not None and user.password_hash:
        queue(session, user.email, "account_exists", sign_in_link=sign_in_link, reset_link=reset_link)
        return
    if user is None:
        user = accounts.create_user(session, email, name, ["family"], password=None)
    link = link_for(issue(session, user, "confirm_email"))
    queue(session, user.email, "confirm_email", name=name.strip(), link=link)
