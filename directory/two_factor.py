"""A second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app, and one-time recovery
codes. A code is accepted once: the time step it belongs to is remembered."""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from sqlmodel import Session, delete, select, update

from directory.db import claim
from directory.models import RecoveryCode, User
from directory.models.accounts import utcnow

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l to misread
RECOVERY_LENGTH = 16  # about 79 bits each


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_code_svg(uri: str) -> str:
    """The set-up address as a QR code, an SVG data URI (no script, allowed by the site's CSP)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (of now, or one either side for clock drift) whose code this is, or None."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)  # floor(now / 30)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The step to remember if this code is right and newer than the last one used, else None."""
    step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def turn_on(session: Session, user: User, secret: str, code: str) -> list[str] | None:
    """Turn on the second factor if the code from the app is right; returns new recovery codes to show once."""
    step = check_code(secret, code, None)
    if step is None:
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    return new_recovery_codes(session, user)


def verify_code(session: Session, user: User, code: str) -> bool:
    """A sign-in code: right, and not used before (the step is claimed by a conditional update)."""
    if not user.totp_secret:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    claimed = claim(session, update(User).where(User.id == user.id,
                                                (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                    .values(totp_last_step=step))
    session.refresh(user)
    return claimed == 1


def _hash_code(code: str) -> str:
    normal = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes; the codes themselves are shown once and never stored."""
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    session.flush()
    return [" ".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Spend one unused recovery code (conditional update: once, even in parallel)."""
    return claim(session, update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                     RecoveryCode.code_hash == _hash_code(code),
                                                     RecoveryCode.used_at.is_(None))
                 .values(used_at=utcnow())) == 1


def recovery_codes_left(session: Session, user: User) -> int:
    return len(session.exec(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                          RecoveryCode.used_at.is_(None))).all())


def turn_off(session: Session, user: User) -> None:
    """Remove the second factor (an admin's reset, with a reason, audited by the caller) and sign the person
    out everywhere."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1


def is_on(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)
