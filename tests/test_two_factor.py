"""A second factor: set up with an authenticator app, asked for at sign-in, codes used once, recovery codes,
throttled like passwords, reset by an admin with a reason, and mandatory for staff when the setting says so."""

import time

import pyotp
import pytest
from sqlmodel import select

from directory.models import AuditEntry
from tests.helpers.emails import emails_to, latest_link
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user, sign_in


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def set_up(client) -> tuple[pyotp.TOTP, list[str]]:
    """Turn on the second factor for the signed-in person, as they would with their phone."""
    page = client.get("/your-account/two-factor")
    assert page.soup.select_one("img.app-qr-code")["src"].startswith("data:image/svg+xml")
    totp = pyotp.TOTP(page.soup.select_one(".app-setup-key").get_text(strip=True))
    wrong = client.post("/your-account/two-factor", data={"code": "000000" if totp.now() != "000000" else "111111"})
    assert "The security code is not right" in text_of(wrong.soup)
    done = client.post("/your-account/two-factor", data={"code": totp.now()})
    codes = [item.get_text(strip=True) for item in done.soup.select(".app-recovery-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes


def password_step(client, user, next_page: str = "") -> str:
    response = client.post(f"/sign-in{next_page}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_set_up_then_sign_in_with_a_code_that_works_once(client, db_session):
    user = make_user(db_session, ["key_worker"])
    sign_in(client, user)
    totp, _codes = set_up(client)
    db_session.refresh(user)
    assert user.totp_enabled_at is not None
    client.post("/sign-out")

    assert password_step(client, user, "?next=/families") == "/sign-in/code"
    assert client.get("/your-account").status_code == 302  # not signed in yet
    used_at_set_up = totp.now()
    refused = client.post("/sign-in/code", data={"code": used_at_set_up})
    assert "is not right, or it has been used" in text_of(refused.soup)  # the set-up code cannot be used again
    code = totp.generate_otp(user.totp_last_step + 1)  # the app's next code (one step of clock drift allowed)
    done = client.post("/sign-in/code", data={"code": code})
    assert done.headers["Location"] == "/families"
    assert client.get("/your-account").status_code == 200
    client.post("/sign-out")

    # Nor can a code used to sign in.
    password_step(client, user)
    again = client.post("/sign-in/code", data={"code": code})
    assert "is not right, or it has been used" in text_of(again.soup)
    assert client.get("/your-account").status_code == 302


def test_codes_are_checked_against_the_time_and_the_last_one_used():
    from directory import two_factor

    secret = pyotp.random_base32()
    totp, now = pyotp.TOTP(secret), 1_800_000_000
    step = totp.timecode(now)
    assert two_factor.check_code(secret, totp.at(now), None, now) == step
    assert two_factor.check_code(secret, totp.at(now - 30), None, now) == step - 1  # drift of one step
    assert two_factor.check_code(secret, totp.at(now - 90), None, now) is None  # too old
    assert two_factor.check_code(secret, totp.at(now), step, now) is None  # used already
    assert two_factor.check_code(secret, totp.at(now + 30), step, now) == step + 1
    assert two_factor.check_code(secret, "12 34 5", None, now) is None


def test_a_recovery_code_signs_in_once(client, db_session):
    user = make_user(db_session, ["service_lead"])
    sign_in(client, user)
    _totp, codes = set_up(client)
    client.post("/sign-out")
    password_step(client, user)
    assert client.post("/sign-in/recovery-code", data={"code": codes[3].upper()}).status_code == 302
    assert "9 recovery codes left" in text_of(client.get("/your-account").soup)
    client.post("/sign-out")
    password_step(client, user)
    refused = client.post("/sign-in/recovery-code", data={"code": codes[3]})
    assert "is not right, or it has been used" in text_of(refused.soup)


def test_codes_are_throttled_like_passwords(client, db_session):
    user = make_user(db_session, ["admin"])
    sign_in(client, user)
    totp, _codes = set_up(client)
    client.post("/sign-out")
    password_step(client, user)
    wrong = "123456" if totp.now() != "123456" else "654321"
    for _ in range(5):
        client.post("/sign-in/code", data={"code": wrong})
    locked = client.post("/sign-in/code", data={"code": totp.now()})
    assert "You have entered too many wrong codes. Wait 15 minutes, then try again" in text_of(locked.soup)
    assert client.get("/your-account").status_code == 302
    failed = db_session.exec(select(AuditEntry).where(AuditEntry.action == "second_factor_failed",
                                                      AuditEntry.user_id == user.id)).all()
    assert len(failed) == 5


def test_the_code_page_needs_a_password_first_and_not_long_ago(client, db_session):
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    user = make_user(db_session, ["key_worker"])
    sign_in(client, user)
    totp, _codes = set_up(client)
    client.post("/sign-out")
    password_step(client, user)
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "at": time.time() - 3600}
    assert client.post("/sign-in/code", data={"code": totp.now()}).headers["Location"] == "/sign-in"
    assert client.get("/your-account").status_code == 302


def test_a_reset_link_does_not_skip_the_second_factor(client, db_session):
    user = make_user(db_session, ["key_worker"])
    sign_in(client, user)
    set_up(client)
    client.post("/sign-out")
    client.post("/reset-password", data={"email": user.email})
    link = latest_link(db_session, user.email)
    done = client.post(link, data={"password": "a new password for the test", "confirm": "a new password for the test"})
    assert done.headers["Location"] == "/sign-in/code"
    assert client.get("/your-account").status_code == 302


def test_an_admin_resets_a_second_factor_with_a_reason(client, app, db_session):
    user = make_user(db_session, ["key_worker"], name="Kit Keyworker")
    own = app.test_client()
    own.application.config["WTF_CSRF_ENABLED"] = False
    sign_in(own, user)
    set_up(own)
    admin = make_user(db_session, ["admin"])
    sign_in(client, admin)
    path = f"/admin/people/{user.id}/reset-second-factor"
    person = client.get(f"/admin/people/{user.id}")  # the person's page has the link
    assert "Reset Kit Keyworker's second factor" in text_of(person.soup.select_one(f'a[href="{path}"]'))
    assert client.get(path).status_code == 200
    missing = client.post(path, data={"reason": ""})
    assert "Enter why you are resetting this person's second factor" in text_of(missing.soup)
    db_session.refresh(user)
    assert user.totp_enabled_at is not None  # nothing changed
    assert client.post(path, data={"reason": "Lost phone; called back on the office number"}).status_code == 302
    db_session.refresh(user)
    assert user.totp_enabled_at is None and user.totp_secret is None
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.action == "second_factor_reset")).one()
    assert entry.user_id == admin.id and entry.object_id == user.id and entry.reason.startswith("Lost")
    assert own.get("/your-account").status_code == 302  # signed out everywhere
    assert emails_to(db_session, user.email)[-1].subject == "Your second factor has been reset"
    assert client.get(path).status_code == 404  # nothing left to reset


def test_staff_must_set_one_up_when_the_setting_says_so(client, app, db_session):
    app.config["STAFF_TWO_FACTOR_REQUIRED"] = True
    worker = make_user(db_session, ["key_worker"])
    sign_in(client, worker)
    assert client.get("/families").headers["Location"] == "/your-account/two-factor"
    page = client.get("/your-account/two-factor")
    assert "Staff accounts must use a second factor" in text_of(page.soup)
    totp = pyotp.TOTP(page.soup.select_one(".app-setup-key").get_text(strip=True))
    client.post("/your-account/two-factor", data={"code": totp.now()})
    assert client.get("/families").status_code == 200
    # Families may use it, but are not made to.
    family = app.test_client()
    sign_in(family, make_user(db_session, ["family"]))
    assert family.get("/families").status_code == 200
    db_session.refresh(worker)
    assert worker.totp_enabled_at is not None
