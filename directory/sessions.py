"""Sessions on the server: the cookie holds only a random id, the data lives in Redis (through Flask-Session)
when REDIS_URL is set, or otherwise in the app's own database table, so the embedded default needs nothing else."""

import hashlib
import logging
from datetime import timedelta

from flask import Flask, g, request
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from redis import Redis
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import delete, select, update

from directory.db import get_database
from directory.encryption import EncryptionKeyError, keyring
from directory.models import WebSession
from directory.models.accounts import utcnow

log = logging.getLogger(__name__)

SESSION_ID_BYTES = 32


class _RefreshUnlessChanged:
    """A request that changed nothing in the session only pushes back its expiry (idle timeout). Rewriting the
    data it read would undo what a request running alongside it (the browser fetching a page and its assets
    at once) has just written, such as a new CSRF token."""

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        # An asset (a stylesheet, a script, an image) fetched beside a page does not push back the expiry: the
        # page did. It would only be one more writer racing the page's own (on SQLite, a page that read before
        # the asset's commit may then not write), and assets carry no Set-Cookie, so they cache.
        if not session.modified and request.path.startswith(f"{app.static_url_path}/"):
            return False
        return super().should_set_storage(app, session)

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        if session.modified:
            self._write(session_lifetime, session, store_id)
        else:
            self._refresh(session_lifetime, store_id)


class RedisSessions(_RefreshUnlessChanged, RedisSessionInterface):
    def _write(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        RedisSessionInterface._upsert_session(self, session_lifetime, session, store_id)

    def _refresh(self, session_lifetime: timedelta, store_id: str) -> None:
        self.client.expire(store_id, int(session_lifetime.total_seconds()))


class DatabaseSessionInterface(_RefreshUnlessChanged, ServerSideSessionInterface):
    """Flask-Session's cookie and id handling over the `web_session` table. Rows are keyed by a hash of the id, and
    the data is encrypted with the field encryption keys (a second factor being set up waits there)."""

    ttl = False

    def __init__(self, app: Flask):
        # Expired rows are ignored when read; about one request in 500 also deletes them.
        super().__init__(app, key_prefix="", permanent=True, sid_length=SESSION_ID_BYTES, cleanup_n_requests=500)

    def _session(self):
        return get_database(self.app).session_factory()

    @staticmethod
    def _row_id(store_id: str) -> str:
        return hashlib.sha256(store_id.encode()).hexdigest()

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        with self._session() as db:
            data = db.exec(select(WebSession.data).where(WebSession.id == self._row_id(store_id),
                                                         WebSession.expires_at > utcnow())).first()
        if data is None:
            return None
        try:
            return self.serializer.decode(keyring().decrypt_bytes(data))
        except EncryptionKeyError:  # written with a key no longer configured: a new session
            return None

    def _delete_session(self, store_id: str) -> None:
        with self._session() as db:
            db.exec(delete(WebSession).where(WebSession.id == self._row_id(store_id)))
            db.commit()

    def _refresh(self, session_lifetime: timedelta, store_id: str) -> None:
        with self._session() as db:
            db.exec(update(WebSession).where(WebSession.id == self._row_id(store_id))
                    .values(expires_at=utcnow() + session_lifetime))
            db.commit()

    def _write(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        row_id, expires_at = self._row_id(store_id), utcnow() + session_lifetime
        data = keyring().encrypt_bytes(self.serializer.encode(session))
        with self._session() as db:
            changed = db.exec(update(WebSession).where(WebSession.id == row_id)
                              .values(data=data, expires_at=expires_at)).rowcount
            if not changed:
                db.add(WebSession(id=row_id, data=data, expires_at=expires_at))
            db.commit()

    def _delete_expired_sessions(self) -> None:
        """Housekeeping that about one request in 500 does for everyone: when the table is busy (a long import
        holding SQLite's lock) it is left for a later request, never a failed request."""
        try:
            with self._session() as db:
                db.exec(delete(WebSession).where(WebSession.expires_at <= utcnow()))
                db.commit()
        except SQLAlchemyError as error:
            log.warning("Expired web sessions not deleted this time: %s", error.__class__.__name__)


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        app.session_interface = RedisSessions(
            app, client=Redis.from_url(app.config["REDIS_URL"]),
            key_prefix=app.config["REDIS_KEY_PREFIX"] + "session:", permanent=True, sid_length=SESSION_ID_BYTES)
    else:
        app.session_interface = DatabaseSessionInterface(app)

    @app.after_request
    def _finish_database_work(response):
        # Registered before every other after-request function, so it runs last: the request's database session
        # is finished before the web session is saved on a connection of its own (on SQLite no lock is then held
        # across the two). Whatever the view did not commit is rolled back here, as at teardown.
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()
        return response


def regenerate(app: Flask, session) -> None:
    """A new id for the session's data (on signing in and out): the stored session under the old id is deleted,
    so an id known before is worth nothing after. (Flask-Session's own `regenerate` skips empty sessions.)"""
    interface = app.session_interface
    interface._delete_session(interface._get_store_id(session.sid))
    session.sid = interface._generate_sid(SESSION_ID_BYTES)
    session.modified = True
