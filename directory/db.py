"""The database engine and one session per request."""

from collections.abc import Callable

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


def make_engine(url: str) -> Engine:
    # hide_parameters: a database error's message never quotes the values (personal data) it was given.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        _make_sqlite_transactional(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions: SAVEPOINTs and foreign keys then behave."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers do not block the writer (several threads or processes share the file), and a writer waits for
        # another rather than failing at once.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A transaction that will write begins IMMEDIATE (see begin_write): it waits for the write lock up front.
        immediate = connection.get_execution_options().get("begin_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Holds the engine and how sessions are made; tests replace `session_factory`."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        # Shared by every session the app makes: the search index listens for its commits, and listings may
        # change only through the listing writer (directory.listings.guard).
        from directory.listings import guard

        guard.register()
        self.session_info: dict = {guard.GUARDED: True}
        self.session_factory: Callable[[], Session] = self.make_session

    def make_session(self, bind=None, **options) -> Session:
        return Session(bind or self.engine, expire_on_commit=False, info=dict(self.session_info), **options)


def init_app(app: Flask) -> None:
    app.extensions["db"] = Database(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_database(app: Flask) -> Database:
    return app.extensions["db"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = get_database(current_app).session_factory()
    return g.db_session


def forget_request_changes(logger) -> None:
    """Roll back whatever the request wrote (an error page changes nothing), so that a failed flush does not leave
    the session unusable for anything drawn after it (signed-in user, session store, audit). A broken connection:
    the session is dropped, and the page is drawn anyway."""
    session = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception as error:
        logger.error("Could not roll back the request's session: %s", type(error).__name__)
        g.pop("db_session", None)
        try:
            session.close()
        except Exception:
            pass


def claim(session: Session, statement) -> int:
    """Run a conditional UPDATE (`... WHERE still as expected`) and return how many rows it changed: the one way
    to make something happen once under concurrency. On SQLite a transaction that began reading before another
    writer committed may not write; it is rolled back and the update run once more, as the first statement of a
    new transaction, so call this before any other write of the transaction."""
    try:
        return session.exec(statement).rowcount
    except OperationalError:
        if session.get_bind().dialect.name != "sqlite":
            raise
        session.rollback()
        return session.exec(statement).rowcount


def begin_write(session: Session) -> None:
    """End whatever the session was reading and begin a transaction that intends to write. On SQLite it takes the
    write lock before reading anything (BEGIN IMMEDIATE), so concurrent writers queue instead of failing when one
    commits between another's read and write; on PostgreSQL rows are locked where they are read (FOR UPDATE)."""
    session.rollback()
    session.connection(execution_options={"begin_write": True})
