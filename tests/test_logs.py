"""No personal data in the logs: planted values go through every error path and are searched for in the log."""

import logging
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from directory.db import make_engine
from directory.logs import RequestLineFilter, redact
from directory.models import User
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import CHILD, STORY, new_record


@pytest.fixture(autouse=True)
def app_logger_enabled(app, monkeypatch):
    # Another test turns the app's logger off to keep its output quiet; these tests read what it writes.
    monkeypatch.setattr(app.logger, "disabled", False)


@pytest.fixture
def planted():
    """Values that must never reach a log line: unique per test, so any hit is this test's leak."""
    tag = uuid.uuid4().hex[:8].upper()
    return {"name": f"Zephyrine{tag}", "postcode": f"ZZ{tag[:2]} 9QQ", "story": f"secret story {tag}",
            "email": f"planted{tag.lower()}@example.org", "token": f"tok{tag}secret"}


def assert_not_logged(caplog, planted):
    logged = caplog.text + "".join(str(r.args) + str(r.msg) for r in caplog.records)
    for name, value in planted.items():
        assert value not in logged, f"the planted {name} reached the log"
        assert value.lower() not in logged.lower(), f"the planted {name} reached the log"


@pytest.fixture
def signed_in(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["key_worker"], districts=["east-staffordshire"]))
    return client


@pytest.fixture
def failing_flush(app):
    @app.post("/test-only/failing-flush")
    def failing_flush():
        from flask import request

        from directory.db import get_session

        session = get_session()
        taken = session.exec(select(User)).first()
        session.add(User(email=taken.email, name=request.form["name"], password_hash=request.form["story"]))
        session.flush()
        return "unreachable"


def test_a_failed_flush_logs_its_type_and_request_id_but_not_the_sql_parameters(failing_flush, signed_in, caplog,
                                                                                 planted):
    caplog.set_level(logging.DEBUG)
    signed_in.allow_server_errors = True
    response = signed_in.post("/test-only/failing-flush", data={"name": planted["name"], "story": planted["story"]})
    assert response.status_code == 500
    reference = response.soup.find("strong").get_text(strip=True)
    assert_not_logged(caplog, planted)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("IntegrityError" in m and reference in m and "failing_flush" in m for m in errors), errors


def test_an_exception_message_with_personal_data_is_not_logged(app, client, caplog, planted):
    @app.get("/test-only/explode")
    def explode():
        raise ValueError(f"could not route {planted['name']} at {planted['postcode']}")

    caplog.set_level(logging.DEBUG)
    client.allow_server_errors = True
    assert client.get("/test-only/explode").status_code == 500
    assert_not_logged(caplog, planted)
    assert "ValueError" in caplog.text and "explode" in caplog.text


def test_every_refused_or_invalid_request_keeps_planted_values_out_of_the_log(app, signed_in, caplog, planted):
    caplog.set_level(logging.DEBUG)
    record = new_record(signed_in)
    child = {**CHILD, "first_name": planted["name"], "postcode": planted["postcode"],
             "date_of_birth": ["31", "2", "2017"]}
    # A validation error (the date is not real), a NUL byte in a form, in a query and in an address.
    assert signed_in.post(f"/families/{record}/child", data=child).status_code == 200
    assert signed_in.post(f"/families/{record}/story",
                          data={**STORY, "what_matters": planted["story"] + "\x00"}).status_code == 400
    assert signed_in.get(f"/search?q={planted['story']}%00&postcode={planted['postcode']}").status_code == 400
    assert signed_in.get(f"/areas/{planted['name']}%00").status_code == 404
    # Too large, and a form without its CSRF token.
    app.config["MAX_CONTENT_LENGTH"] = 5_000
    assert signed_in.post(f"/families/{record}/story",
                          data={**STORY, "what_matters": planted["story"] * 1000}).status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = None
    app.config["WTF_CSRF_ENABLED"] = True
    assert signed_in.post(f"/families/{record}/child", data=child).status_code == 400
    # Signing in with a planted email, and a link with a planted token.
    assert signed_in.post("/sign-in", data={"email": planted["email"], "password": planted["story"]}).status_code
    signed_in.get(f"/reset-password/{planted['token']}")
    assert_not_logged(caplog, planted)


def test_sql_statements_and_their_parameters_are_not_logged_even_at_debug(seeded_database, app, caplog, planted):
    caplog.set_level(logging.DEBUG)
    engine = make_engine(seeded_database.url)  # a new engine and connection, made while the log is at DEBUG
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT :value"), {"value": planted["name"]})
    finally:
        engine.dispose()
    assert_not_logged(caplog, planted)


def test_request_lines_lose_query_strings_and_link_tokens(app, planted):
    # Werkzeug writes the query string decoded, spaces and all.
    line = redact(f'127.0.0.1 - - [01/Jan/2026 10:00:00] "GET /search?q={planted["story"]} HTTP/1.1" 200 -')
    assert line == '127.0.0.1 - - [01/Jan/2026 10:00:00] "GET /search HTTP/1.1" 200 -'
    for prefix in ("reset-password", "accept-invitation", "confirm-email"):
        assert planted["token"] not in redact(f'"GET /{prefix}/{planted["token"]}?next=/x HTTP/1.1" 302 -')
    # gunicorn's access log: the request line, the referring page and the query string are all addresses.
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s "%(f)s"',
                               ({"h": "10.0.0.1", "r": f"POST /reset-password/{planted['token']} HTTP/1.1",
                                 "s": "302", "f": f"https://example.org/find-by-area?postcode={planted['postcode']}"},),
                               None)
    RequestLineFilter(app).filter(record)
    assert planted["token"] not in record.getMessage() and planted["postcode"] not in record.getMessage()
    assert "/reset-password/[hidden]" in record.getMessage()


def test_a_new_route_with_a_token_is_redacted_without_a_change_to_the_filter(app, planted):
    @app.get("/unsubscribe/<token>")
    def unsubscribe(token):
        return token

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"GET /unsubscribe/{planted['token']} HTTP/1.1", "200", "-"), None)
    RequestLineFilter(app).filter(record)
    assert record.getMessage() == '"GET /unsubscribe/[hidden] HTTP/1.1" 200 -'


def test_the_development_server_request_log_has_no_query_strings_or_tokens(app, caplog, planted):
    """Werkzeug's own request log, through a real server and a real request."""
    from werkzeug.serving import make_server

    caplog.set_level(logging.DEBUG)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=lambda: [server.handle_request() for _ in range(2)])
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/find-by-area?postcode={planted['postcode'].replace(' ', '+')}") as page:
            assert page.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/reset-password/{planted['token']}")
    finally:
        thread.join(timeout=10)
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET /find-by-area HTTP/1.1" 200' in line for line in lines), lines
    assert any("/reset-password/[hidden]" in line for line in lines), lines
    assert_not_logged(caplog, planted)
