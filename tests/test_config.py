"""Configuration: SQLite by default, DATABASE_URL for PostgreSQL, no development secret in production."""

import pytest

from directory import create_app
from directory.config import DEV_SECRET_KEY, database_url_from_env
from directory.encryption import DEVELOPMENT_KEY


def test_sqlite_in_the_instance_folder_by_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url_from_env("/srv/instance") == "sqlite:////srv/instance/directory.sqlite"


@pytest.mark.parametrize("url", ["postgres://u@db/send", "postgresql://u@db/send"])
def test_database_url_selects_postgresql_through_psycopg(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    assert database_url_from_env("/srv/instance") == "postgresql+psycopg://u@db/send"


def test_production_refuses_the_development_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app({"APP_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY, "SEARCH_CHECK_ON_START": False})


def test_production_refuses_to_start_without_a_site_url():
    with pytest.raises(RuntimeError, match="SITE_URL must be set"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "a-real-secret", "SEARCH_CHECK_ON_START": False})


PRODUCTION_KEY = "hWkMQJZElDRJj5dF0q_DnpeoAFVUHHkbc1xkxMaCNys="  # made for this test only


@pytest.mark.parametrize("keys", [None, "", DEVELOPMENT_KEY, f"{PRODUCTION_KEY},{DEVELOPMENT_KEY}"])
def test_production_refuses_to_start_without_its_own_encryption_keys(keys):
    with pytest.raises(RuntimeError, match="FIELD_ENCRYPTION_KEYS must be set"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "a-real-secret", "SITE_URL": "https://send.example.org",
                    "FIELD_ENCRYPTION_KEYS": keys, "SEARCH_CHECK_ON_START": False})


def test_an_encryption_key_that_is_not_a_fernet_key_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="must be a Fernet key") as error:
        create_app({"FIELD_ENCRYPTION_KEYS": "not-a-key", "SEARCH_CHECK_ON_START": False})
    assert "not-a-key" not in str(error.value)


def test_production_runs_with_a_real_secret_and_serves_only_its_own_host():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                      "SITE_URL": "https://send.example.org/", "FIELD_ENCRYPTION_KEYS": PRODUCTION_KEY,
                      "SEARCH_CHECK_ON_START": False})
    assert app.config["APP_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SITE_URL"] == "https://send.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["send.example.org"]


def test_a_site_url_that_is_not_a_web_address_is_refused():
    with pytest.raises(RuntimeError, match="SITE_URL must be an http or https address"):
        create_app({"SITE_URL": "javascript:alert(1)", "SEARCH_CHECK_ON_START": False})
