"""Settings read from the environment, with safe development defaults."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from directory.encryption import DEVELOPMENT_KEY, configure, parse_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"


def database_url_from_env(instance_path: str) -> str:
    """DATABASE_URL if set (PostgreSQL through psycopg 3), else a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'directory.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Find SEND support")
    SEED_PATH = os.environ.get("SEED_PATH", str(PROJECT_ROOT / "seed_data"))
    # The SEND thesaurus that seeds an empty thesaurus table (the search reads the table; admins edit it).
    THESAURUS_PATH = os.environ.get("THESAURUS_PATH", str(PROJECT_ROOT / "seed_data" / "thesaurus.json"))
    # What people typing words like these have wanted, learned from judged searches (`flask search learn`); a path
    # to no file (or "") searches by the words alone.
    SEARCH_MODEL_PATH = os.environ.get("SEARCH_MODEL_PATH", str(PROJECT_ROOT / "seed_data" / "search_model.json"))
    # How often each server asks whether the thesaurus changed (seconds); a change rebuilds its index.
    THESAURUS_CHECK_SECONDS = float(os.environ.get("THESAURUS_CHECK_SECONDS", "60"))
    # Rebuild the index after a thesaurus change in a background thread (None: yes, except when testing).
    SEARCH_REBUILD_IN_BACKGROUND = None
    # How the services page groups services by what the child needs.
    NEED_GROUPS_PATH = os.environ.get("NEED_GROUPS_PATH", str(PROJECT_ROOT / "seed_data" / "need_groups.json"))
    # Defaults to a folder in the instance folder.
    SEARCH_INDEX_PATH = os.environ.get("SEARCH_INDEX_PATH")
    # Several app servers on one PostgreSQL ("1"): a `flask search follow` process per index folder applies the
    # search changes, and web processes write no index (they only reopen it). Unset: the committing process writes
    # the index after each commit (one server; SQLite).
    SEARCH_FOLLOWER = os.environ.get("SEARCH_FOLLOWER", "0") == "1"
    # Build a missing index and repair a stale one when the app starts.
    SEARCH_CHECK_ON_START = os.environ.get("SEARCH_CHECK_ON_START", "1") == "1"
    SESSION_COOKIE_HTTPONLY = True
    # Sessions live on the server (Redis when REDIS_URL is set, else the session table); the cookie holds an id.
    # They end after this long without a request...
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    # ...and this long after signing in, however busy.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    SESSION_COOKIE_SAMESITE = "Lax"
    # Redis, shared by every app server: sessions and throttling counts. Unset: the database and memory.
    REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
    # Keys in Redis start with this, so that several sites (or test runs) can share one server.
    REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "send-directory:")
    # How many proxies in front of the app set X-Forwarded-For and -Proto; 0 trusts no forwarded header.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # No request body is larger than this (bytes).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(512 * 1024)))
    # Throttling: failed sign-ins per submitted address lock that address; failed attempts per client address;
    # emails (reset, confirmation) per address. Each is "count per minutes".
    SIGN_IN_FAILURES_PER_ADDRESS = os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "5/15")
    SIGN_IN_LOCKOUT_MINUTES = int(os.environ.get("SIGN_IN_LOCKOUT_MINUTES", "15"))
    SIGN_IN_FAILURES_PER_CLIENT = os.environ.get("SIGN_IN_FAILURES_PER_CLIENT", "50/15")
    EMAILS_PER_ADDRESS = os.environ.get("EMAILS_PER_ADDRESS", "5/60")
    # Reports of something wrong on a service page, per client address: count/minutes.
    PROBLEM_REPORTS_PER_CLIENT = os.environ.get("PROBLEM_REPORTS_PER_CLIENT", "5/60")
    # A second factor is required of key workers, service leads and admins (on by default in production).
    STAFF_TWO_FACTOR_REQUIRED = os.environ.get(
        "STAFF_TWO_FACTOR_REQUIRED", "1" if os.environ.get("APP_ENV") == "production" else "0") == "1"
    WTF_CSRF_ENABLED = True
    TESTING = False
    # Key workers' caseloads: the default limit when a key worker has none of their own.
    CASELOAD_LIMIT = int(os.environ.get("CASELOAD_LIMIT", "20"))
    # Outgoing email (the outbox is delivered by `flask send-notifications`).
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@localhost")
    # STARTTLS before anything else is sent ("1"): the server's certificate and host name are checked, against the
    # system's certificate authorities or only those in SMTP_CA_FILE. Without it no password is sent.
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE", "").strip() or None
    # AUTH when a user name is set (the first of CRAM-MD5, PLAIN and LOGIN the server offers); needs SMTP_STARTTLS=1.
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "").strip() or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "") or None
    # Seconds to wait for the server at each step.
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    # The site's public address: every link in an email is built from it, never from the request's Host header,
    # and only its host name is served (TRUSTED_HOSTS). Required in production.
    SITE_URL = os.environ.get("SITE_URL", "").strip() or None
    # Fernet keys for field-level encryption, newest first, separated by commas (directory/encryption.py). Required
    # in production; a development key otherwise.
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "").strip() or None
    # Audit entries are kept this long (the PostgreSQL trigger written by migration 0005 uses the value it had then).
    AUDIT_RETENTION_YEARS = int(os.environ.get("AUDIT_RETENTION_YEARS", "31"))
    # The ORUK API (/api): ORUK_STRICT=1 leaves out the send_directory extension; requests per client per minutes.
    ORUK_STRICT = os.environ.get("ORUK_STRICT", "0") == "1"
    API_REQUESTS_PER_CLIENT = os.environ.get("API_REQUESTS_PER_CLIENT", "600/1")


DEVELOPMENT_SITE_URL = "http://127.0.0.1:5000"


def check_production_safety(config: dict) -> None:
    """Refuse to run in production without a secret, encryption keys and a site address; production cookies go over
    HTTPS only. Configures the field encryption keyring.
    Every environment serves only the site address's host (and, outside production, localhost)."""
    production = config.get("APP_ENV") == "production"
    if production and config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise RuntimeError("SECRET_KEY must be set in the environment when APP_ENV is 'production'.")
    if production and not config.get("SITE_URL"):
        raise RuntimeError("SITE_URL must be set in the environment when APP_ENV is 'production', "
                           "e.g. https://send-directory.example.gov.uk")
    keys = parse_keys(config.get("FIELD_ENCRYPTION_KEYS"))
    if production and (not keys or DEVELOPMENT_KEY in keys):
        raise RuntimeError("FIELD_ENCRYPTION_KEYS must be set in the environment when APP_ENV is 'production', to "
                           "one or more Fernet keys (newest first), and must not hold the development key.")
    configure(keys or [DEVELOPMENT_KEY])
    config["SITE_URL"] = (config.get("SITE_URL") or DEVELOPMENT_SITE_URL).rstrip("/")
    site = urlsplit(config["SITE_URL"])
    if site.scheme not in ("http", "https") or not site.hostname:
        raise RuntimeError(f"SITE_URL must be an http or https address, not {config['SITE_URL']!r}")
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = [site.hostname] + ([] if production else ["localhost", "127.0.0.1"])
    if production:
        config["SESSION_COOKIE_SECURE"] = True
