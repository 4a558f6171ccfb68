"""Settings read from the environment, with safe development defaults."""

import os
from datetime import timedelta
from pathlib import Path

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
    SYNONYMS_PATH = os.environ.get("SYNONYMS_PATH", str(PROJECT_ROOT / "seed_data" / "synonyms.json"))
    # Defaults to a folder in the instance folder.
    SEARCH_INDEX_PATH = os.environ.get("SEARCH_INDEX_PATH")
    # Build a missing index and repair a stale one when the app starts.
    SEARCH_CHECK_ON_START = os.environ.get("SEARCH_CHECK_ON_START", "1") == "1"
    SESSION_COOKIE_HTTPONLY = True
    # Signed-in sessions end after this long without a request.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    TESTING = False
    # Key workers' caseloads: the default limit when a key worker has none of their own.
    CASELOAD_LIMIT = int(os.environ.get("CASELOAD_LIMIT", "20"))
    # Outgoing email (the outbox is delivered by `flask send-notifications`).
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@localhost")
    # The site's public address, for links in emails sent from commands (outside a web request).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")


def check_production_safety(config: dict) -> None:
    """Refuse to run in production with the development secret; production cookies go over HTTPS only."""
    if config.get("APP_ENV") == "production" and config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise RuntimeError("SECRET_KEY must be set in the environment when APP_ENV is 'production'.")
    if config.get("APP_ENV") == "production":
        config["SESSION_COOKIE_SECURE"] = True
