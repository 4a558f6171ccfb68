"""Error pages: designed, with security headers, changing nothing; the 500 page survives a failed flush."""

import pytest
from sqlmodel import select

from directory.models import FamilySection, User
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import STORY, new_record

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def assert_secure(response):
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.fixture
def failing_flush(app):
    """A route that writes a second account with an email already taken, so the flush fails in the database."""

    @app.get("/test-only/failing-flush")
    def failing_flush():
        from directory.db import get_session

        session = get_session()
        taken = session.exec(select(User)).first()
        session.add(User(email=taken.email, name="Planted Duplicate", password_hash="x"))
        session.flush()
        return "unreachable"

    return "/test-only/failing-flush"


def test_the_500_page_after_a_failed_flush_is_designed_and_has_security_headers(app, db_session, failing_flush):
    app.config["WTF_CSRF_ENABLED"] = False
    user = make_user(db_session, ["key_worker"])
    client = app.test_client()
    sign_in(client, user)  # the signed-in user is loaded after the failure, when the page is drawn
    client.allow_server_errors = True
    response = client.get(failing_flush)
    assert response.status_code == 500
    assert response.soup.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert_secure(response)
    body = response.get_data(as_text=True)
    assert "Planted Duplicate" not in body and "IntegrityError" not in body and user.email not in body
    assert "give this reference" in text_of(response.soup)
    # The request's session was rolled back: the next request works and nothing was written.
    assert client.get("/your-account").status_code == 200
    assert db_session.exec(select(User).where(User.name == "Planted Duplicate")).first() is None


def test_when_the_500_page_cannot_be_drawn_a_static_page_is_sent_with_the_headers(app, monkeypatch):
    from directory.web import errors

    @app.get("/test-only/explode")
    def explode():
        raise RuntimeError("boom")

    def broken(*args, **kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr(errors, "render_template", broken)
    client = app.test_client()
    client.allow_server_errors = True
    response = client.get("/test-only/explode")
    assert response.status_code == 500
    assert response.soup.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert "boom" not in response.get_data(as_text=True)
    assert_secure(response)


@pytest.mark.parametrize("path", ["/search?q=a%00b", "/find-by-area?postcode=ST16%003NE", "/search?%00=x"])
def test_a_nul_byte_in_a_query_string_gets_the_problem_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.soup.h1.get_text(strip=True) == "There is a problem with what was sent"
    assert_secure(response)


@pytest.mark.parametrize("path", ["/services/a%00b", "/categories/%00", "/areas/stafford%00"])
def test_a_nul_byte_in_a_web_address_is_page_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.soup.h1.get_text(strip=True) == "Page not found"
    assert_secure(response)


def test_a_nul_byte_in_a_form_changes_nothing(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["key_worker"]))
    record = new_record(client)
    assert client.post(f"/families/{record}/story", data=STORY).status_code == 302
    response = client.post(f"/families/{record}/story", data={**STORY, "what_matters": "Changed\x00 by a NUL"})
    assert response.status_code == 400
    assert response.soup.h1.get_text(strip=True) == "There is a problem with what was sent"
    assert_secure(response)
    saved = db_session.exec(select(FamilySection).where(FamilySection.section == "story")).one()
    db_session.refresh(saved)
    assert saved.data["what_matters"] == STORY["what_matters"]
    # A NUL in a field's name is refused the same way.
    assert client.post(f"/families/{record}/story", data={**STORY, "x\x00": "y"}).status_code == 400


def test_a_nul_byte_when_signing_in_or_creating_an_account(client):
    for path, data in (("/sign-in", {"email": "a\x00@example.org", "password": "x"}),
                       ("/create-account", {"name": "N\x00", "email": "n@example.org", "password": "p" * 20,
                                            "confirm": "p" * 20})):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert_secure(response)


def test_too_large_a_request_gets_a_designed_page(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = app.test_client()
    sign_in(client, make_user(db_session, ["key_worker"]))
    record = new_record(client)
    response = client.post(f"/families/{record}/story", data={**STORY, "what_matters": "x" * 20_000})
    assert response.status_code == 413
    assert response.soup.h1.get_text(strip=True) == "What you sent is too large"
    assert_secure(response)
    assert db_session.exec(select(FamilySection).where(FamilySection.section == "story")).first() is None


def test_a_form_without_its_csrf_token_is_refused_with_a_designed_page(client):
    response = client.post("/sign-in", data={"email": "someone@example.org", "password": "x"})
    assert response.status_code == 400
    assert "This page was open too long" in response.soup.h1.get_text()
    assert_secure(response)


def test_wrong_role_and_wrong_method_pages(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["family"]))
    forbidden = client.get("/admin/invite")
    assert forbidden.status_code == 403
    assert forbidden.soup.h1.get_text(strip=True) == "You cannot see this page"
    assert_secure(forbidden)
    wrong_method = client.post("/health")
    assert wrong_method.status_code == 405
    assert wrong_method.soup.h1.get_text(strip=True) == "Page not found"


def test_a_5xx_other_than_500_keeps_its_code_and_gets_the_500_page(app, client):
    from flask import abort

    @app.get("/test-only/unavailable")
    def unavailable():
        abort(503)

    client.allow_server_errors = True
    response = client.get("/test-only/unavailable")
    assert response.status_code == 503
    assert response.soup.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert_secure(response)
