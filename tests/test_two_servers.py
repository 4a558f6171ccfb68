"""Two app servers on one PostgreSQL, as in production: each a gunicorn with its own index folder and its own
`flask search follow`. A lead's change through one is found through the other; a thesaurus edit reaches the
other's index; both followers stop cleanly on SIGTERM."""

import time

import pytest
import requests
from sqlmodel import Session, select

from directory import thesaurus
from directory.models import Service, ThesaurusGroup
from directory.models.accounts import utcnow
from tests.helpers.databases import empty_database, migrate_and_seed
from tests.helpers.people import PASSWORD, make_user
from tests.helpers.referrals import EARLY_HELP
from tests.helpers.servers import Server, csrf_token, free_port

WAIT_SECONDS = 10


@pytest.fixture
def two_servers(tmp_path):
    with empty_database("postgresql", tmp_path) as url:
        database = migrate_and_seed(url)
        servers = [Server(name, tmp_path / name, free_port()) for name in ("one", "two")]
        try:
            for server in servers:
                server.start(url)
            yield database, servers
        finally:
            stopped = [server.stop() for server in servers]
            database.engine.dispose()
        for server, codes in zip(servers, stopped, strict=True):
            assert codes["follower"] == 0 and "Stopped." in server.log("follower"), server.log("follower")


def wait_until(found, what: str) -> float:
    """Seconds until `found()` is true; fails after WAIT_SECONDS."""
    started = time.monotonic()
    while not found():
        if time.monotonic() - started > WAIT_SECONDS:
            pytest.fail(f"not found within {WAIT_SECONDS} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_leads_change_through_one_server_is_found_through_the_other(two_servers):
    database, (one, two) = two_servers
    with Session(database.engine) as session:
        service = session.exec(select(Service).where(Service.slug == EARLY_HELP)).one()
        assert service.accepting_referrals
        service_id, name = service.id, service.name
        email = make_user(session, ["service_lead"], services=[EARLY_HELP]).email
    not_accepting = f"/search?q={requests.utils.quote(name)}&accepting=no"
    assert f"/services/{EARLY_HELP}" not in two.get(not_accepting)[1]
    browser = requests.Session()
    page = browser.get(f"{one.base}/sign-in", timeout=10).text
    signed_in = browser.post(f"{one.base}/sign-in", allow_redirects=False, timeout=10,
                             data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert signed_in.status_code == 302
    form = browser.get(f"{one.base}/your-services/{service_id}/accepting", timeout=10)
    assert form.status_code == 200
    published = browser.post(f"{one.base}/your-services/{service_id}/accepting", allow_redirects=False, timeout=10,
                             data={"accepting": "no", "csrf_token": csrf_token(form.text)})
    assert published.status_code == 302, published.text[:500]
    wait_until(lambda: f"/services/{EARLY_HELP}" in two.get(not_accepting)[1], "the change on server two")
    # Server one's own index follows the same feed.
    wait_until(lambda: f"/services/{EARLY_HELP}" in one.get(not_accepting)[1], "the change on server one")
    ready = two.get("/health/ready")
    assert ready[0] == 200 and '"unapplied_changes":0' in ready[1].replace(" ", "")
    # The load balancer may send the lead's next request to server two: the session signed in on server one holds
    # there too (sessions live in the shared database), and so does the change they made.
    again = browser.get(f"{two.base}/your-services/{service_id}/accepting", allow_redirects=False, timeout=10)
    assert again.status_code == 200 and 'value="no" checked' in again.text.replace("checked=\"checked\"", "checked")


def test_a_thesaurus_edit_reaches_the_other_servers_index(two_servers):
    database, (one, two) = two_servers
    with Session(database.engine) as session:
        service = session.exec(select(Service).where(Service.slug == EARLY_HELP)).one()
        session.add(ThesaurusGroup(position=1000, kind="topic", phrases=["snickersnee", service.name.lower()],
                                   query_only=[], categories=[], needs=[], updated_at=utcnow()))
        thesaurus.record_rebuild(session)
        session.commit()
    for server in (two, one):
        wait_until(lambda server=server: f"/services/{EARLY_HELP}" in server.get("/search?q=snickersnee")[1],
                   f"the new thesaurus group on server {server.name}")
