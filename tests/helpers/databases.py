"""Test databases: a SQLite file or a new PostgreSQL database, created empty and dropped afterwards."""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import inspect, select
from sqlmodel import Session, SQLModel

from directory import migrate
from directory.config import PROJECT_ROOT
from directory.db import Database
from directory.models import Service
from directory.seed import apply_seed, load_seed

BACKENDS = ("sqlite", "postgresql")
# The server that tests create their databases on; `.ci/run` makes sure it is running.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SEED_PATH = PROJECT_ROOT / "seed_data"


@contextmanager
def empty_database(backend: str, folder: Path):
    """Yields a URL for a new, empty database of the given kind."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.sqlite'}"
        return
    name = f"send_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: the tests need it running. ({error})"
        ) from error
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_and_seed(url: str) -> Database:
    database = Database(url)
    migrate.upgrade(database.engine)
    with Session(database.engine) as session:
        apply_seed(session, load_seed(SEED_PATH))
        give_referral_addresses(session)
        session.commit()
    return database


def give_referral_addresses(session: Session) -> None:
    """The real seed has no referral addresses (they are private): give every service that takes referrals
    through the site an example.org one, so that tests can send referrals. A test that needs a service that
    cannot receive them takes its address away."""
    from directory.listings import writer

    for service in list(session.scalars(select(Service).where(Service.referral_method == "site"))):
        writer.update_service(session, service.id, {"referral_email": f"referrals.{service.slug}@example.org"},
                              source="import", reason="test referral addresses")


def dump(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: two equal dumps mean two equal databases."""
    tables = {}
    present = set(inspect(session.connection()).get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name in present:
            rows = session.connection().execute(select(table)).all()
            tables[table.name] = sorted(tuple(str(value) for value in row) for row in rows)
    return tables
