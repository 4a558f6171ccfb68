"""Sessions on the server: the cookie is a random id and nothing more; sign-out, idle and absolute limits end a
session for good, sign-in issues a new id; in Redis when REDIS_URL is set."""

import time
from datetime import timedelta

import pytest
import redis
from sqlmodel import select, update

from directory import create_app
from directory.models import WebSession
from directory.models.accounts import utcnow
from tests.conftest import TEST_CONFIG
from tests.helpers.people import make_user, sign_in
from tests.helpers.redis import redis_settings  # noqa: F401 - a fixture

COOKIE = "session"


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def cookie_value(client) -> str:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else ""


def copy_of(app, value: str):
    """Another browser holding a copy of a cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def test_the_cookie_holds_only_a_random_id_and_the_data_is_on_the_server(client, db_session):
    user = make_user(db_session, ["family"])
    sign_in(client, user)
    value = cookie_value(client)
    assert len(value) >= 40 and "." not in value  # not a signed data cookie
    assert user.email not in value and str(user.id) not in value
    import hashlib

    row = db_session.exec(select(WebSession).where(WebSession.id == hashlib.sha256(value.encode()).hexdigest())).one()
    assert row.data and value.encode() not in row.data  # the id itself is not stored


def test_signing_in_issues_a_new_id(client, db_session):
    user = make_user(db_session, ["family"])
    client.get("/sign-in")
    before = cookie_value(client)
    with client.session_transaction() as session:
        session["something"] = "kept across sign-in"
    before = cookie_value(client) or before
    sign_in(client, user)
    after = cookie_value(client)
    assert before and after and before != after
    assert client.get("/your-account").status_code == 200


def test_an_id_planted_before_sign_in_is_worth_nothing(app, client, db_session):
    user = make_user(db_session, ["family"])
    client.get("/sign-in")
    client.set_cookie(COOKIE, "chosen-by-the-attacker-" + "x" * 30)
    sign_in(client, user)
    assert cookie_value(client) != "chosen-by-the-attacker-" + "x" * 30
    assert copy_of(app, "chosen-by-the-attacker-" + "x" * 30).get("/your-account").status_code == 302


def test_a_cookie_copied_before_sign_out_stops_working(app, client, db_session):
    user = make_user(db_session, ["key_worker"])
    sign_in(client, user)
    stolen = cookie_value(client)
    assert copy_of(app, stolen).get("/your-account").status_code == 200
    client.post("/sign-out")
    assert copy_of(app, stolen).get("/your-account").status_code == 302
    assert client.get("/your-account").status_code == 302


def test_an_idle_session_ends(client, db_session):
    user = make_user(db_session, ["family"])
    sign_in(client, user)
    db_session.exec(update(WebSession).values(expires_at=utcnow()))
    db_session.commit()
    assert client.get("/your-account").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, db_session, app):
    user = make_user(db_session, ["family"])
    sign_in(client, user)
    assert client.get("/your-account").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() - 1
    assert client.get("/your-account").status_code == 302


def test_anonymous_visitors_get_no_stored_session_on_public_pages(client, db_session):
    count = len(db_session.exec(select(WebSession.id)).all())
    for path in ("/", "/search?q=speech", "/services"):
        assert client.get(path).status_code == 200
    assert client.get_cookie(COOKIE) is None
    assert len(db_session.exec(select(WebSession.id)).all()) == count


def test_pages_with_personal_data_are_never_cached(client, db_session):
    public = client.get("/")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    user = make_user(db_session, ["key_worker"])
    sign_in(client, user)
    for path in ("/your-account", "/families", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" in client.get("/sign-in").headers["Cache-Control"]


def test_sessions_in_redis_when_redis_url_is_set(seeded_database, db_connection, redis_settings):  # noqa: F811
    from tests.conftest import _transactional_session

    app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, **redis_settings})
    database = app.extensions["db"]
    database.session_factory = lambda: _transactional_session(db_connection, database.session_info)
    app.config["WTF_CSRF_ENABLED"] = False
    with database.session_factory() as session:
        user = make_user(session, ["key_worker"])
    client = app.test_client()
    sign_in(client, user)
    stolen = cookie_value(client)
    store = redis.Redis.from_url(redis_settings["REDIS_URL"])
    key = f"{redis_settings['REDIS_KEY_PREFIX']}session:{stolen}"
    assert store.exists(key) and 0 < store.ttl(key) <= 30 * 60
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/your-account").status_code == 200
    client.post("/sign-out")
    assert not store.exists(key)
    assert thief.get("/your-account").status_code == 302


def test_a_request_that_changed_nothing_does_not_undo_one_that_ran_alongside(app, client, db_session):
    """The browser fetches a page and its assets at once: the asset request must not write back stale data."""
    user = make_user(db_session, ["family"])
    sign_in(client, user)
    interface, sid = app.session_interface, cookie_value(client)
    with app.test_request_context(headers={"Cookie": f"{COOKIE}={sid}"}) as context:
        asset_request = interface.open_session(app, context.request)
        page_request = interface.open_session(app, context.request)
        page_request["csrf_token"] = "new token"
        interface.save_session(app, page_request, app.response_class())
        interface.save_session(app, asset_request, app.response_class())
        assert interface.open_session(app, context.request)["csrf_token"] == "new token"


def test_expired_session_housekeeping_that_fails_never_fails_the_request(tmp_path, caplog):
    # A database with no web_session table at all: the delete fails for real, as a busy SQLite lock would.
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
                      "SEARCH_INDEX_PATH": str(tmp_path / "index")})
    with app.app_context(), caplog.at_level("WARNING", logger="directory.sessions"):
        app.session_interface._delete_expired_sessions()
    assert "Expired web sessions not deleted this time: OperationalError" in caplog.text


def test_fetching_an_asset_neither_writes_the_session_nor_sets_the_cookie(client, db_session):
    """A page's stylesheet and scripts arrive alongside the page's own request: only the page keeps the session
    alive, so an asset request is never a second writer racing the page."""
    user = make_user(db_session, ["family"])
    sign_in(client, user)
    db_session.exec(update(WebSession).values(expires_at=utcnow() + timedelta(minutes=5)))
    db_session.commit()
    [before] = db_session.exec(select(WebSession.expires_at)).all()

    asset = client.get("/assets/css/application.css")
    asset.close()
    assert asset.status_code == 200 and "Set-Cookie" not in asset.headers
    db_session.expire_all()
    assert db_session.exec(select(WebSession.expires_at)).all() == [before]

    page = client.get("/your-account")
    assert page.status_code == 200 and "Set-Cookie" in page.headers
    db_session.expire_all()
    assert db_session.exec(select(WebSession.expires_at)).one() > before
