"""Accounts: sign in and out, family accounts confirmed by email, emailed single-use links, the password policy,
changing a password."""

from datetime import timedelta

import pytest
from sqlmodel import select

from directory.models import AccountToken, User
from directory.models.accounts import utcnow
from tests.helpers.emails import emails_to, latest_link
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user, sign_in

NEW_PASSWORD = "a brand new password for me"


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def error_summary(response) -> str:
    return text_of(response.soup.select_one(".govuk-error-summary"))


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
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/sign-in?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/your-account", target
        client.post("/sign-out")
    response = client.post("/sign-in?next=/families", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/families"


def test_sign_in_form_errors(client):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    summary = error_summary(response)
    assert "Enter your email address" in summary and "Enter your password" in summary


def test_a_family_account_is_confirmed_by_email_before_it_can_be_used(client, app, db_session):
    response = client.post("/create-account", data={"name": "Pat Parent", "email": "Pat@Example.org"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Check your email" in text_of(page.soup)
    user = db_session.exec(select(User).where(User.email == "pat@example.org")).one()
    assert user.password_hash is None and user.email_confirmed_at is None
    [email] = emails_to(db_session, "pat@example.org")
    assert email.subject == "Confirm your email address"
    link = latest_link(db_session, "pat@example.org")
    assert link.startswith("/confirm-email/")
    # Nothing works until the link is followed.
    assert client.post("/sign-in", data={"email": "pat@example.org", "password": PASSWORD}).status_code == 200
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/your-account").status_code == 200
    db_session.refresh(user)
    assert user.email_confirmed_at is not None
    from directory.accounts import user_roles

    assert user_roles(db_session, user) == {"family"}
    assert client.get(link).status_code == 410  # the link worked once
    fresh = app.test_client()
    assert fresh.post("/sign-in", data={"email": "pat@example.org", "password": NEW_PASSWORD}).status_code == 302


def test_create_account_for_an_address_with_an_account_says_the_same_and_emails_the_owner(client, db_session):
    user = make_user(db_session, ["family"])
    response = client.post("/create-account", data={"name": "Someone Else", "email": user.email.upper()})
    assert response.status_code == 302 and response.headers["Location"].startswith("/check-your-email")
    [email] = emails_to(db_session, user.email)
    assert email.subject == "You already have an account"
    assert "http://localhost/sign-in" in email.body_text and "http://localhost/reset-password" in email.body_text
    assert len(db_session.exec(select(User).where(User.email == user.email)).all()) == 1
    db_session.refresh(user)
    assert user.name != "Someone Else"


def test_create_account_validation(client):
    response = client.post("/create-account", data={"name": "", "email": "nope"})
    summary = error_summary(response)
    assert "Enter your full name" in summary
    assert "Enter an email address in the correct format" in summary


@pytest.mark.parametrize(("password", "message"), [
    ("short", "Password must be 12 characters or more"),
    (" " * 14, "Password must include letters, numbers or symbols, not only spaces"),
    ("x" * 257, "Password must be 256 characters or fewer"),
    ("password1234", "This password is too easy to guess because many people use it"),
    ("qwertyuiop123", "This password is too easy to guess because many people use it"),
])
def test_the_password_policy_speaks_gov_uk(client, db_session, password, message):
    user = make_user(db_session, ["family"])
    client.post("/reset-password", data={"email": user.email})
    link = latest_link(db_session, user.email)
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in error_summary(response)
    # The link still works: a refused password spends nothing.
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_password_reset_link_works_once_then_signs_out_other_sessions(client, app, db_session):
    user = make_user(db_session, ["family"])
    other = app.test_client()
    sign_in(other, user)
    response = client.post("/reset-password", data={"email": user.email})
    assert "If an account exists for that email, we have sent a link" in text_of(
        client.get(response.headers["Location"]).soup)
    link = latest_link(db_session, user.email)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410
    # The session signed in with the old password has ended.
    assert other.get("/your-account").status_code == 302
    client.post("/sign-out")
    assert client.post("/sign-in", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/sign-in", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client, db_session):
    user = make_user(db_session, ["family"])
    known = client.post("/reset-password", data={"email": user.email})
    unknown = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert emails_to(db_session, "nobody@example.org") == []
    assert len(emails_to(db_session, user.email)) == 1


def test_expired_reset_link_is_refused(client, db_session):
    user = make_user(db_session, ["family"])
    client.post("/reset-password", data={"email": user.email})
    link = latest_link(db_session, user.email)
    for token in db_session.exec(select(AccountToken).where(AccountToken.user_id == user.id)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "This link has expired or been used" in text_of(response.soup)


def test_a_new_link_cancels_the_one_before(client, db_session):
    user = make_user(db_session, ["family"])
    client.post("/reset-password", data={"email": user.email})
    first = latest_link(db_session, user.email)
    client.post("/reset-password", data={"email": user.email})
    assert client.get(first).status_code == 410
    assert client.get(latest_link(db_session, user.email)).status_code == 200


def test_admin_invites_a_key_worker_who_sets_a_password(client, app, db_session):
    import re

    admin = make_user(db_session, ["admin"])
    sign_in(client, admin)
    page = client.get("/admin/invite")
    tamworth = page.soup.find("label", string=re.compile("Tamworth")).find_previous("input")["value"]
    response = client.post("/admin/invite", data={"name": "Kay Worker", "email": "kay@example.org",
                                                  "roles": ["key_worker"], "districts": [tamworth]})
    assert response.status_code == 302
    invited = db_session.exec(select(User).where(User.email == "kay@example.org")).one()
    assert invited.password_hash is None
    link = latest_link(db_session, "kay@example.org")
    assert link.startswith("/accept-invitation/")
    fresh = app.test_client()
    assert fresh.post(link, data={"password": "kay's new password", "confirm": "kay's new password"}).status_code \
        == 302
    assert fresh.get("/your-account").status_code == 200


def test_changing_the_password_signs_out_other_devices_but_not_this_one(client, app, db_session):
    user = make_user(db_session, ["key_worker"])
    other = app.test_client()
    sign_in(other, user)
    sign_in(client, user)
    wrong = client.post("/your-account/change-password", data={"current": "not my password", "password": NEW_PASSWORD,
                                                               "confirm": NEW_PASSWORD})
    assert "Your current password is not right" in error_summary(wrong)
    done = client.post("/your-account/change-password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                              "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/your-account").status_code == 200
    assert other.get("/your-account").status_code == 302
    assert emails_to(db_session, user.email)[-1].subject == "Your password has been changed"


def test_session_cookie_is_secure_in_production_and_expires_when_idle():
    from directory import create_app

    production = create_app({"APP_ENV": "production", "SECRET_KEY": "x" * 32, "SEARCH_CHECK_ON_START": False,
                             "FIELD_ENCRYPTION_KEYS": "hWkMQJZElDRJj5dF0q_DnpeoAFVUHHkbc1xkxMaCNys=",
                             "SITE_URL": "https://send.example.org"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    assert production.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=12)


def test_answers_of_only_spaces_are_no_answer(client, db_session):
    response = client.post("/create-account", data={"name": "   ", "email": "  "})
    summary = error_summary(response)
    assert "Enter your full name" in summary and "Enter your email address" in summary
    admin = make_user(db_session, ["admin"])
    sign_in(client, admin)
    invite = client.post("/admin/invite", data={"name": " ", "email": "new@example.org", "roles": ["", "admin"]})
    summary = error_summary(invite)
    assert "Enter the person's full name" in summary and "Select at least one role" not in summary


def test_the_site_hashes_passwords_with_argon2id_at_the_recommended_cost():
    from pathlib import Path

    from argon2 import Type

    from directory import passwords

    # RFC 9106's second recommendation (the library's default): argon2id, 3 passes over 64 MiB. The test suite
    # swaps in a cheap hasher (tests/conftest.py); the site never does.
    standard = passwords.STANDARD
    assert (standard.type, standard.time_cost, standard.memory_cost) == (Type.ID, 3, 65536)
    package = Path(passwords.__file__).parent
    callers = [path for path in package.rglob("*.py") if "use_hasher(" in path.read_text()]
    assert callers == [Path(passwords.__file__)]
