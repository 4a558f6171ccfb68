"""Throttling: failed sign-ins lock an address (known or not), a client address has a ceiling, emails per address
are limited, throttled and failed attempts are audited, and several app servers share the counts through Redis."""

import pytest
from sqlmodel import select

from directory import create_app
from directory.models import AuditEntry
from directory.throttle import Rule
from tests.conftest import TEST_CONFIG, _transactional_session
from tests.helpers.emails import emails_to
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user
from tests.helpers.redis import redis_settings  # noqa: F401 - a fixture

LOCKED = "You have tried to sign in too many times. Wait 15 minutes, then try again"


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def attempt(client, email, password="wrong password, wrong", client_address="192.0.2.10", **headers):
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": client_address}, headers=headers)


def audited(db_session, action: str) -> int:
    return len(db_session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


@pytest.mark.parametrize("exists", [True, False])
def test_five_failures_lock_the_address_whether_or_not_it_has_an_account(client, db_session, exists):
    email = make_user(db_session, ["key_worker"]).email if exists else "nobody@example.org"
    failed_before = audited(db_session, "sign_in_failed")
    for _ in range(5):
        assert "Enter a correct email address and password" in text_of(attempt(client, email).soup)
    assert audited(db_session, "sign_in_failed") == failed_before + 5
    locked = attempt(client, email, PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert LOCKED in text_of(locked.soup)
    assert audited(db_session, "sign_in_throttled") >= 1
    # Another address from the same client is not locked.
    other = make_user(db_session, ["family"])
    assert attempt(client, other.email, PASSWORD).status_code == 302


def test_a_success_forgets_the_failures(client, db_session):
    user = make_user(db_session, ["family"])
    for _ in range(4):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/sign-out")
    for _ in range(4):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_one_client_address_has_a_ceiling_across_addresses(app, client, db_session):
    app.extensions["throttle"].rules["client"] = Rule("client", 3, 15)
    for number in range(3):
        attempt(client, f"guess{number}@example.org")
    user = make_user(db_session, ["family"])
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # Another client is not affected.
    assert attempt(client, user.email, PASSWORD, client_address="198.51.100.7").status_code == 302


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(seeded_database, db_connection, db_session):
    user = make_user(db_session, ["family"])
    for proxies, expect_locked in ((0, True), (1, False)):
        app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, "TRUSTED_PROXIES": proxies,
                          "SIGN_IN_FAILURES_PER_CLIENT": "3/15"})
        database = app.extensions["db"]
        database.session_factory = lambda d=database: _transactional_session(db_connection, d.session_info)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        # An attacker rotates X-Forwarded-For; without a trusted proxy the header is not believed.
        for number in range(3):
            attempt(client, f"guess{number}@example.org", **{"X-Forwarded-For": f"203.0.113.{number}"})
        response = attempt(client, user.email, PASSWORD, **{"X-Forwarded-For": "203.0.113.99"})
        assert (response.status_code == 429) is expect_locked, proxies


def test_reset_emails_are_limited_per_address(client, db_session):
    user = make_user(db_session, ["family"])
    for _ in range(7):
        response = client.post("/reset-password", data={"email": user.email})
        assert response.status_code == 302  # the page says the same
    assert len(emails_to(db_session, user.email)) == 5
    assert audited(db_session, "email_throttled") == 2


def test_two_app_servers_share_the_counts_through_redis(seeded_database, db_connection, db_session,
                                                        redis_settings):  # noqa: F811
    user = make_user(db_session, ["key_worker"])
    servers = []
    for _ in range(2):
        app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, **redis_settings})
        database = app.extensions["db"]
        database.session_factory = lambda d=database: _transactional_session(db_connection, d.session_info)
        app.config["WTF_CSRF_ENABLED"] = False
        servers.append(app.test_client())
    for number in range(5):
        attempt(servers[number % 2], user.email)  # 3 failures on one server, 2 on the other
    for server in servers:
        assert attempt(server, user.email, PASSWORD).status_code == 429
