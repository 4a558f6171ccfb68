"""Configuration: SQLite by default, DATABASE_URL for PostgreSQL, no development secret in production."""

import pytest

from directory import create_app
from directory.config import DEV_SECRET_KEY, database_url_from_env


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


def test_production_runs_with_a_real_secret_and_serves_only_its_own_host():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                      "SITE_URL": "https://send.example.org/", "SEARCH_CHECK_ON_START": False})
    assert app.config["APP_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SITE_URL"] == "https://send.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["send.example.org"]


def test_a_site_url_that_is_not_a_web_address_is_refused():
    with pytest.raises(RuntimeError, match="SITE_URL must be an http or https address"):
        create_app({"SITE_URL": "javascript:alert(1)", "SEARCH_CHECK_ON_START": False})
