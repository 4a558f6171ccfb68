"""Field-level encryption of sensitive values (Fernet through `cryptography`'s MultiFernet), and keyed hashes
for the few values that must be found without being readable.

Keys come from FIELD_ENCRYPTION_KEYS: Fernet keys separated by commas or spaces, the newest first. Values are
encrypted with the newest and read with any of them, so a new key can be added first and `rotate-keys` run later.
The keyring is process-wide because the column types use it wherever rows are read or written (the app, the
commands, the migrations); `create_app` configures it from the app's settings.
"""

import hashlib
import hmac
import json
import os
import re
import unicodedata

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

# Not a secret: only for development and tests. Production refuses to start with it (config.check_production_safety).
DEVELOPMENT_KEY = "dL4McYVoZ7htjSURz_QSP1Ckd8Yg7GEh_jUNituXQnk="


class EncryptionKeyError(ValueError):
    """FIELD_ENCRYPTION_KEYS cannot be used; the message says why (never the key)."""


class Keyring:
    def __init__(self, keys: list[str]):
        if not keys:
            raise EncryptionKeyError("FIELD_ENCRYPTION_KEYS holds no key")
        try:
            fernets = [Fernet(key.encode()) for key in keys]
        except ValueError:
            raise EncryptionKeyError(
                "Each key in FIELD_ENCRYPTION_KEYS must be a Fernet key: 32 url-safe base64-encoded bytes, as "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'` prints"
            ) from None
        self.keys = list(keys)
        self._fernet = MultiFernet(fernets)
        # The keyed hash of names and dates of birth uses a key derived from the newest encryption key, so there is
        # one secret to keep; `rotate-keys` recomputes the hashes with the encrypted values.
        self._lookup_key = hmac.new(keys[0].encode(), b"family-lookup", hashlib.sha256).digest()

    def encrypt(self, text: str) -> str:
        return self.encrypt_bytes(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token.encode()).decode()

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise EncryptionKeyError("A value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS") from None

    def rotate(self, token: str) -> str:
        """The same value encrypted with the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError("A value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS") from None

    def lookup_hash(self, *parts: str) -> str:
        normal = "|".join(_normal(part) for part in parts)
        return hmac.new(self._lookup_key, normal.encode(), hashlib.sha256).hexdigest()


def _normal(text: str) -> str:
    """Case, accents, spaces and punctuation do not matter when finding a name."""
    decomposed = unicodedata.normalize("NFKD", str(text or "")).casefold()
    return re.sub(r"[^0-9a-z]", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def parse_keys(value: str | None) -> list[str]:
    return [key for key in re.split(r"[\s,]+", value or "") if key]


_keyring: Keyring | None = None


def configure(keys: list[str]) -> Keyring:
    global _keyring
    _keyring = Keyring(keys)
    return _keyring


def keyring() -> Keyring:
    """The configured keyring; outside an app, FIELD_ENCRYPTION_KEYS from the environment or the development key."""
    if _keyring is None:
        return configure(parse_keys(os.environ.get("FIELD_ENCRYPTION_KEYS")) or [DEVELOPMENT_KEY])
    return _keyring


class EncryptedText(TypeDecorator):
    """A string stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else keyring().decrypt(value)


class EncryptedJSON(TypeDecorator):
    """A JSON value stored as a Fernet token. Assign a new value to change it (in-place changes are not seen)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring().encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(keyring().decrypt(value))


def encrypted_columns(metadata) -> list[tuple[str, str]]:
    """(table, column) for every encrypted column: what `rotate-keys` re-encrypts."""
    return [(table.name, column.name) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText | EncryptedJSON)]
