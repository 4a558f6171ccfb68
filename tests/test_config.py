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


def test_production_runs_with_a_real_secret():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                      "SEARCH_CHECK_ON_START": False})
    assert app.config["APP_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
