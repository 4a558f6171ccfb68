"""Fixtures: every database test runs on SQLite and on PostgreSQL, each test inside a rolled-back transaction."""

import shutil

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session
from werkzeug.routing import Rule

from directory import create_app, encryption, passwords
from directory.config import Config
from directory.search import SearchIndex
from directory.search import sync as search_sync
from directory.search.synonyms import Synonyms
from tests.helpers.databases import BACKENDS, empty_database, migrate_and_seed
from tests.helpers.pages import CheckedClient

# Thousands of accounts are made and signed in here: hash with a cheap argon2 cost (0.1 ms instead of about 0.3 s
# each). The site's own cost is checked in tests/test_accounts.py.
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))



def _reuse_url_builders() -> None:
    """Werkzeug compiles two Python functions (ast, then compile()) for every URL rule of every new app: 0.6 s
    of the 0.9 s an app takes to make here. The tests make an app per test, so a rule's functions are compiled
    once and shared by every later app with the same rule: a builder is a plain function of the rule's trace and
    defaults, given the rule itself as its first argument when called (werkzeug.routing.Rule._compile_builder)."""
    compile_builder = Rule._compile_builder
    built: dict = {}

    def reused(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = reused


_reuse_url_builders()

TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret-key", "APP_ENV": "test", "SEARCH_CHECK_ON_START": False,
               "SITE_URL": "http://localhost"}


@pytest.fixture(autouse=True)
def development_encryption_key():
    """Every test starts and ends with the development key, whatever keys a test's app was given."""
    encryption.configure([encryption.DEVELOPMENT_KEY])
    yield
    encryption.configure([encryption.DEVELOPMENT_KEY])


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def seeded_database(backend, tmp_path_factory):
    """One migrated, seeded database per backend for the whole run; tests never commit to it."""
    with empty_database(backend, tmp_path_factory.mktemp(backend)) as url:
        database = migrate_and_seed(url)
        yield database
        database.engine.dispose()


@pytest.fixture(scope="session")
def seeded_index(seeded_database, tmp_path_factory):
    """The search index of the seeded database, built once per backend; each test gets its own copy."""
    root = tmp_path_factory.mktemp("index")
    with Session(seeded_database.engine) as session:
        search_sync.rebuild(SearchIndex(root, Synonyms.from_file(Config.THESAURUS_PATH)), session)
    return root


@pytest.fixture
def db_connection(seeded_database):
    connection = seeded_database.engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


def _transactional_session(connection, info=None) -> Session:
    # The code under test may commit: that releases a SAVEPOINT inside the outer transaction, rolled back after.
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False,
                   info=dict(info or {}))


@pytest.fixture
def db_session(db_connection):
    with _transactional_session(db_connection) as session:
        yield session


@pytest.fixture
def app(seeded_database, seeded_index, db_connection, tmp_path):
    index_path = tmp_path / "index"
    shutil.copytree(seeded_index, index_path, symlinks=True)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, "SEARCH_INDEX_PATH": str(index_path)})
    database = app.extensions["db"]
    database.session_factory = lambda: _transactional_session(db_connection, database.session_info)
    app.test_client_class = CheckedClient
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def fresh_app(backend, tmp_path):
    """An app on its own empty database (no migrations run), for commands that change the schema."""
    with empty_database(backend, tmp_path) as url:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_PATH": str(tmp_path / "index")})
        yield app
        app.extensions["db"].engine.dispose()


@pytest.fixture
def engine(fresh_app):
    """A fresh migrated, seeded database (referral addresses given) for tests that need real, separate
    connections, such as two people acting at the same moment."""
    from directory import migrate
    from directory.seed import apply_seed, load_seed
    from tests.helpers.databases import SEED_PATH, give_referral_addresses

    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    with Session(engine) as session:
        apply_seed(session, load_seed(SEED_PATH))
        give_referral_addresses(session)
        session.commit()
    return engine
