"""Links in emails come from SITE_URL, never from the request: a forged Host header gets nowhere."""

import pytest
from sqlmodel import select

from directory import create_app
from directory.models import OutboxMessage
from tests.conftest import TEST_CONFIG, _transactional_session
from tests.helpers.emails import emails_to
from tests.helpers.people import make_user


@pytest.fixture
def site(seeded_database, db_connection):
    """The app as deployed at https://send.example.org."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": seeded_database.url, "SITE_URL": "https://send.example.org"})
    database = app.extensions["db"]
    database.session_factory = lambda: _transactional_session(db_connection, database.session_info)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_reset_asked_for_with_a_forged_host_sends_nothing(site, db_session, caplog):
    user = make_user(db_session, ["family"])
    client = site.test_client()
    for headers in ({"Host": "evil.example"}, {"Host": "send.example.org", "X-Forwarded-Host": "evil.example"}):
        response = client.post("/reset-password", data={"email": user.email}, headers=headers,
                               base_url=f"http://{headers['Host']}")
        if headers["Host"] == "evil.example":
            assert response.status_code == 400
            assert "There is a problem with what was sent" in response.get_data(as_text=True)
            assert "Content-Security-Policy" in response.headers
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    bodies = [message.body_text for message in emails_to(db_session, user.email)]
    assert all("evil.example" not in body for body in bodies)
    assert len(bodies) == 1 and "https://send.example.org/reset-password/" in bodies[0]


def test_every_emailed_link_starts_with_the_site_url(site, db_session):
    user = make_user(db_session, ["family"])
    client = site.test_client()
    client.post("/reset-password", data={"email": user.email}, base_url="https://send.example.org")
    client.post("/create-account", data={"name": "New Family", "email": "new@example.org"},
                base_url="https://send.example.org")
    client.post("/create-account", data={"name": "Again", "email": user.email}, base_url="https://send.example.org")
    messages = db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address.in_([user.email,
                                                                                         "new@example.org"]))).all()
    assert len(messages) == 3
    for message in messages:
        links = [word for word in message.body_text.split() if "://" in word]
        assert links and all(link.startswith("https://send.example.org/") for link in links), message.body_text
