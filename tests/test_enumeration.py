"""Nothing tells an attacker whether an account exists: sign-in gives the same page after the same work, and
reset and create-account say the same whatever exists."""

import pytest
from argon2 import PasswordHasher

from directory import account_links, passwords
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user

WRONG = "not the right password at all"


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting the work it is asked to do."""

    def __init__(self):
        super().__init__()
        self.verified = self.hashed = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verified += 1
        return super().verify(hash, password)

    def hash(self, password, *, salt=None):
        self.hashed += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def accounts_of_every_kind(db_session) -> dict[str, tuple[str, str]]:
    """address and password to try, for each kind of account an attacker might probe."""
    existing = make_user(db_session, ["family"])
    inactive = make_user(db_session, ["key_worker"])
    inactive.is_active = False
    invited = account_links.invite_user(db_session, "invited@example.org", "Ivy Invited", ["key_worker"],
                                        lambda token: f"http://localhost/accept-invitation/{token}")
    account_links.register_family(db_session, "unconfirmed@example.org", "Una Confirmed",
                                  lambda token: f"http://localhost/confirm-email/{token}", "", "")
    db_session.commit()
    return {"unknown": ("nobody@example.org", PASSWORD), "existing, wrong password": (existing.email, WRONG),
            "invited, no password yet": (invited.email, PASSWORD), "unconfirmed": ("unconfirmed@example.org", PASSWORD),
            "inactive, right password": (inactive.email, PASSWORD)}


def test_sign_in_gives_the_same_answer_after_the_same_work(client, db_session, monkeypatch):
    cases = accounts_of_every_kind(db_session)
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    passwords._dummy_hash()  # made once per process, before any attempt
    answers, work = {}, {}
    for kind, (email, password) in cases.items():
        before = (hasher.verified, hasher.hashed)
        response = client.post("/sign-in", data={"email": email, "password": password})
        answers[kind] = (response.status_code, text_of(response.soup.select_one("main")).replace(email, "EMAIL"))
        work[kind] = (hasher.verified - before[0], hasher.hashed - before[1])
    assert len(set(answers.values())) == 1, answers
    assert "Enter a correct email address and password" in next(iter(answers.values()))[1]
    assert set(work.values()) == {(1, 0)}, work  # exactly one argon2 verification, and no hashing, every time


def test_reset_and_create_account_say_the_same_whatever_exists(client, db_session):
    cases = accounts_of_every_kind(db_session)
    for path, data in (("/reset-password", {}), ("/create-account", {"name": "Sam Someone"})):
        answers = set()
        for email, _password in cases.values():
            response = client.post(path, data={**data, "email": email})
            page = client.get(response.headers["Location"])
            answers.add((response.status_code, response.headers["Location"], text_of(page.soup.select_one("main"))))
        assert len(answers) == 1, (path, answers)
