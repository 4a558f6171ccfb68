"""Signing in and out, one step at a time: each step throttles, checks, writes its audit entry and commits once,
so the pages only show the outcome."""

import uuid
from collections.abc import Callable
from enum import Enum

from sqlmodel import Session

from directory import accounts, two_factor
from directory.audit import record
from directory.models import User
from directory.throttle import Throttle

TOO_MANY_SIGN_INS = "You have tried to sign in too many times. Wait 15 minutes, then try again"


class Refused(Enum):
    THROTTLED = "throttled"
    WRONG = "wrong"


def password_step(session: Session, throttle: Throttle, email: str, password: str, client: str) -> User | Refused:
    """The account if the address and password are right; else why not. Failures count towards the locks."""
    if throttle.blocked("sign_in", email) or throttle.blocked("client", client):
        record(session, None, "sign_in_throttled", "user", None)
        session.commit()
        return Refused.THROTTLED
    user = accounts.authenticate(session, email, password)
    if user is None:
        throttle.hit("sign_in", email)
        throttle.hit("client", client)
        known = accounts.get_user_by_email(session, email)
        record(session, known.id if known else None, "sign_in_failed", "user", known.id if known else None)
        session.commit()
        return Refused.WRONG
    throttle.clear("sign_in", email)
    record(session, user.id, "sign_in_password", "user", user.id)
    session.commit()
    return user


CodeCheck = Callable[[Session, User, str], bool]


def code_step(session: Session, throttle: Throttle, user: User, check: CodeCheck, code: str,
              kind: str) -> Refused | None:
    """A second-factor code (`check` is two_factor.verify_code or use_recovery_code); None when it is right."""
    key = str(user.id)
    if throttle.blocked("second_factor", key):
        record(session, user.id, "sign_in_throttled", "user", user.id, step="second_factor")
        session.commit()
        return Refused.THROTTLED
    if not check(session, user, code):
        session.rollback()
        throttle.hit("second_factor", key)
        record(session, user.id, "second_factor_failed", "user", user.id)
        session.commit()
        return Refused.WRONG
    throttle.clear("second_factor", key)
    record(session, user.id, "sign_in", "user", user.id, second_factor=kind)
    session.commit()
    return None


def signed_out(session: Session, user_id: uuid.UUID) -> None:
    record(session, user_id, "sign_out", "user", user_id)
    session.commit()


def turn_on_second_factor(session: Session, user: User, secret: str, code: str) -> list[str] | None:
    """Recovery codes to show once if the code from the app is right (committed), else None (nothing changed)."""
    codes = two_factor.turn_on(session, user, secret, code)
    if codes is None:
        session.rollback()
        return None
    record(session, user.id, "second_factor_on", "user", user.id)
    session.commit()
    return codes
