"""Accounts: sign in and out, family accounts, emailed single-use links for resets and invitations."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from directory.models import AccountToken, OutboxMessage, User
from directory.models.accounts import utcnow
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user, sign_in


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def link_in_latest_email(db_session, to: str) -> str:
    message = db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address == to)
                              .order_by(OutboxMessage.created_at.desc())).first()
    return re.search(r"http://localhost(/\S+)", message.body).group(1)


def test_sign_in_and_out(client, db_session):
    user = make_user(db_session, ["key_worker"])
    wrong = client.post("/sign-in", data={"email": user.email, "password": "not the password"})
    assert "Enter a correct email address and password" in text_of(wrong.soup)
    assert client.get("/your-account").status_code == 302
    sign_in(client, user)
    assert client.get("/your-account").status_code == 200
    client.post("/sign-out")
    assert client.get("/your-account").status_code == 302


def test_sign_in_goes_back_only_to_this_site(client, db_session):
    user = make_user(db_session, ["key_worker"])
    response = client.post("/sign-in?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/your-account"
    client.post("/sign-out")
    response = client.post("/sign-in?next=/families", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/families"


def test_sign_in_form_errors(client):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter your email address" in summary and "Enter your password" in summary


def test_family_creates_an_account(client, db_session):
    response = client.post("/create-account", data={"name": "Pat Parent", "email": "pat@example.org",
                                                    "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    user = db_session.exec(select(User).where(User.email == "pat@example.org")).one()
    from directory.accounts import user_roles

    assert user_roles(db_session, user) == {"family"}
    again = client.post("/create-account", data={"name": "Pat", "email": "PAT@example.org", "password": PASSWORD,
                                                 "confirm": PASSWORD})
    assert "There is already an account for pat@example.org" in text_of(again.soup)


def test_create_account_validation(client):
    response = client.post("/create-account", data={"name": "", "email": "nope", "password": "short",
                                                    "confirm": "different"})
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter your full name" in summary
    assert "Enter an email address in the correct format" in summary
    assert "Password must be 12 characters or more" in summary


def test_password_reset_link_works_once_then_signs_out_other_sessions(client, app, db_session):
    user = make_user(db_session, ["family"])
    other = app.test_client()
    sign_in(other, user)
    response = client.post("/reset-password", data={"email": user.email})
    assert "Check your email" in text_of(response.soup)
    link = link_in_latest_email(db_session, user.email)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert done.status_code == 302
    assert client.get(link).status_code == 410
    # The session signed in with the old password has ended.
    assert other.get("/your-account").status_code == 302
    client.post("/sign-out")
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/sign-in", data={"email": user.email,
                                         "password": "a brand new password"}).status_code == 302


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client, db_session):
    response = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert "Check your email" in text_of(response.soup)
    assert db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address == "nobody@example.org")).first() \
        is None


def test_expired_reset_link_is_refused(client, db_session):
    user = make_user(db_session, ["family"])
    client.post("/reset-password", data={"email": user.email})
    link = link_in_latest_email(db_session, user.email)
    for token in db_session.exec(select(AccountToken).where(AccountToken.user_id == user.id)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "This link has expired or been used" in text_of(response.soup)


def test_admin_invites_a_key_worker_who_sets_a_password(client, app, db_session):
    admin = make_user(db_session, ["admin"])
    sign_in(client, admin)
    page = client.get("/admin/invite")
    tamworth = page.soup.find("label", string=re.compile("Tamworth")).find_previous("input")["value"]
    response = client.post("/admin/invite", data={"name": "Kay Worker", "email": "kay@example.org",
                                                  "roles": ["key_worker"], "districts": [tamworth]})
    assert response.status_code == 302
    invited = db_session.exec(select(User).where(User.email == "kay@example.org")).one()
    assert invited.password_hash is None
    link = link_in_latest_email(db_session, "kay@example.org")
    fresh = app.test_client()
    assert fresh.post(link, data={"password": "kay's new password", "confirm": "kay's new password"}).status_code \
        == 302
    assert fresh.get("/your-account").status_code == 200


def test_session_cookie_is_secure_in_production_and_expires_when_idle(app):
    from directory import create_app

    production = create_app({"APP_ENV": "production", "SECRET_KEY": "x" * 32, "SEARCH_CHECK_ON_START": False})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
