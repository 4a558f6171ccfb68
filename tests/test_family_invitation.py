"""A key worker invites the family to see its record: a new address gets an account, an existing account gets the
record only once its owner signs in through the emailed link; the family sees exactly what each service received."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from directory import accounts
from directory.models import AccountToken, AuditEntry, FamilyAccess, Service, User
from directory.models.accounts import utcnow
from directory.referrals import readable
from tests.helpers.emails import emails_to, latest_link
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user, sign_in
from tests.helpers.records import complete_record, new_record

CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "written", "when_0": ["20", "11", "2026"]}


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])


def _client(app, user=None):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    return client


@pytest.fixture
def client(app, key_worker):
    return _client(app, key_worker)


def record_for(client, address: str) -> str:
    record = new_record(client)
    complete_record(client, record, people={"carer_email": address})
    return record


def invite(client, record: str) -> str:
    """Invite the family and return the text of the page the key worker sees."""
    response = client.post(f"/families/{record}/invite-family")
    assert response.status_code == 302, text_of(response.soup)[:1000]
    assert response.headers["Location"] == f"/families/{record}/invitation-sent"
    return text_of(client.get(response.headers["Location"]).soup)


def audited(db_session, action: str, record: str) -> list[AuditEntry]:
    return list(db_session.exec(select(AuditEntry).where(AuditEntry.action == action,
                                                         AuditEntry.record_id == uuid.UUID(record))))


def count_users(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(User)).one()


def test_the_record_page_offers_the_key_worker_an_invitation_that_shows_the_address(client):
    address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    record = record_for(client, address)
    page = client.get(f"/families/{record}")
    assert page.soup.find("a", href=f"/families/{record}/invite-family", string="Invite the family to see this record")
    confirm = client.get(f"/families/{record}/invite-family")
    assert address in text_of(confirm.soup)


def test_a_record_without_an_address_asks_for_the_people_section_first(client, db_session):
    record = new_record(client)
    page = client.get(f"/families/{record}/invite-family")
    assert "does not have the parent or carer's email address" in text_of(page.soup)
    assert page.soup.find("a", href=f"/families/{record}/people")
    users = count_users(db_session)
    assert client.post(f"/families/{record}/invite-family").status_code == 200
    assert count_users(db_session) == users and not audited(db_session, "invite_family", record)


def test_a_new_address_gets_an_account_that_sees_only_that_record(app, client, db_session, key_worker):
    address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    record = record_for(client, address)
    other_record = record_for(client, address)
    text = invite(client, record)
    assert "Invitation sent" in text
    family = accounts.get_user_by_email(db_session, address)
    assert family.password_hash is None and family.email_confirmed_at is None
    assert accounts.user_roles(db_session, family) == {"family"}
    assert accounts.authenticate(db_session, address, PASSWORD) is None
    [message] = emails_to(db_session, address)
    assert "Kim Keyworker" in message.body_text and "Sam" not in message.body_text + message.body_html
    assert len(audited(db_session, "invite_family", record)) == 1

    link = latest_link(db_session, address)
    assert link.startswith("/accept-invitation/")
    parent = _client(app)
    response = parent.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"/families/{record}"
    db_session.refresh(family)
    assert family.email_confirmed_at is not None
    records = text_of(parent.get("/families").soup)
    assert "Sam Jones" in records
    assert parent.get(f"/families/{record}").status_code == 200
    assert parent.get(f"/families/{other_record}").status_code == 404
    assert parent.post(link, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 410


def test_an_existing_account_gets_the_record_only_after_signing_in_through_the_link(app, client, db_session):
    new_address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    page_for_new = invite(client, record_for(client, new_address))
    parent = make_user(db_session, ["family"], name="Alex Jones")
    record = record_for(client, parent.email)
    users = count_users(db_session)
    page_for_existing = invite(client, record)
    # The key worker's page says the same whether or not the address has an account.
    assert page_for_existing.replace(parent.email, "ADDRESS") == page_for_new.replace(new_address, "ADDRESS")
    assert count_users(db_session) == users
    assert db_session.get(FamilyAccess, (uuid.UUID(record), parent.id)) is None
    [message] = emails_to(db_session, parent.email)
    assert "already have an account" in message.body_text and "Sam" not in message.body_text

    link = latest_link(db_session, parent.email)
    assert link.startswith("/families/join/")
    family = _client(app)
    # Signed in to the account but not through the link: the record is not there.
    sign_in(family, parent)
    assert family.get(f"/families/{record}").status_code == 404
    family.post("/sign-out")
    # Following the link asks them to sign in, then brings them back to it.
    response = family.get(link)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    response = family.post(response.headers["Location"], data={"email": parent.email, "password": PASSWORD})
    assert response.headers["Location"] == link
    assert "Add the family record to your account" in text_of(family.get(link).soup)
    assert db_session.get(FamilyAccess, (uuid.UUID(record), parent.id)) is None
    response = family.post(link)
    assert response.headers["Location"] == f"/families/{record}"
    assert db_session.get(FamilyAccess, (uuid.UUID(record), parent.id)) is not None
    assert family.get(f"/families/{record}").status_code == 200
    assert len(audited(db_session, "accept_family_invitation", record)) == 1
    # The link worked once.
    assert family.get(link).status_code == 410


def test_a_link_followed_while_signed_in_as_someone_else_attaches_nothing(app, client, db_session):
    parent = make_user(db_session, ["family"])
    record = record_for(client, parent.email)
    invite(client, record)
    link = latest_link(db_session, parent.email)
    stranger = make_user(db_session, ["family"])
    other = _client(app, stranger)
    assert other.get(link).status_code == 403
    assert other.post(link).status_code == 403
    assert db_session.get(FamilyAccess, (uuid.UUID(record), stranger.id)) is None
    # The link still works for the person it was sent to.
    assert _client(app, parent).post(link).status_code == 302


def test_expired_links_do_not_work(app, client, db_session):
    parent = make_user(db_session, ["family"])
    record = record_for(client, parent.email)
    invite(client, record)
    new_address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    invite(client, record_for(client, new_address))
    join_link, account_link = latest_link(db_session, parent.email), latest_link(db_session, new_address)
    for row in db_session.exec(select(AccountToken).where(AccountToken.used_at.is_(None))):
        row.expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    family = _client(app, parent)
    assert family.get(join_link).status_code == 410
    assert family.post(join_link).status_code == 410
    assert db_session.get(FamilyAccess, (uuid.UUID(record), parent.id)) is None
    assert _client(app).post(account_link, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 410


def test_a_tampered_link_does_not_work(app, client, db_session):
    parent = make_user(db_session, ["family"])
    record, other_record = record_for(client, parent.email), record_for(client, parent.email)
    invite(client, record)
    link = latest_link(db_session, parent.email)
    tampered = link.replace(uuid.UUID(record).hex, uuid.UUID(other_record).hex)
    family = _client(app, parent)
    assert family.get(tampered).status_code == 410 and family.post(tampered).status_code == 410
    assert db_session.get(FamilyAccess, (uuid.UUID(other_record), parent.id)) is None


def test_only_a_key_worker_who_may_see_the_record_can_invite(app, client, db_session):
    record = record_for(client, f"fam-{uuid.uuid4().hex[:8]}@example.org")
    other_worker = _client(app, make_user(db_session, ["key_worker"]))
    users = count_users(db_session)
    for path in (f"/families/{record}/invite-family", f"/families/{uuid.uuid4()}/invite-family",
                 f"/families/{record}/invitation-sent"):
        assert other_worker.get(path).status_code == 404
        assert other_worker.post(path).status_code in (404, 405)
    assert count_users(db_session) == users and not audited(db_session, "invite_family", record)
    family = _client(app, make_user(db_session, ["family"]))
    assert family.post(f"/families/{record}/invite-family").status_code == 403


def test_the_family_sees_exactly_what_each_service_received(app, client, db_session):
    address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    record = record_for(client, address)
    # Any service the key worker may refer this child to through the site, told to receive four fields.
    offered = client.get(f"/families/{record}/services").soup.find("input", attrs={"name": "services"})
    service = db_session.get(Service, uuid.UUID(offered["value"]))
    service.data_needed = ["child.first_name", "people.carer_phone", "needs.needs", "story.what_matters"]
    db_session.commit()
    assert client.post(f"/families/{record}/services", data={"services": [str(service.id)]}).status_code == 302
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302
    key = client.get(f"/families/{record}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})
    assert client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]}).status_code == 302
    # Changed after sending: the family still sees what the service received.
    client.post(f"/families/{record}/story", data={"what_matters": "Something new", "child_views": "Trains"})
    assert "What each service received" not in text_of(client.get(f"/families/{record}").soup)
    invite(client, record)
    parent = _client(app)
    parent.post(latest_link(db_session, address), data={"password": PASSWORD, "confirm": PASSWORD})
    page = parent.get(f"/families/{record}").soup
    heading = page.find("h2", string="What each service received")
    assert heading is not None
    received = heading.find_next("dl")
    rows = {" ".join(row.dt.get_text().split()): " ".join(row.dd.get_text().split())
            for row in received.find_all("div", class_="govuk-summary-list__row")}
    assert rows == {"Child's first name": "Sam", "Phone number": "07700 900123",
                    "Areas of need": readable.names(db_session).needs["SLCN"],
                    "What matters to the family": "Sam can tell us what he needs"}
    assert service.name in text_of(page)


def test_invitations_to_one_address_are_throttled_like_other_emails(app, client, db_session):
    address = f"fam-{uuid.uuid4().hex[:8]}@example.org"
    record = record_for(client, address)
    for _ in range(6):
        assert "Invitation sent" in invite(client, record)  # the page says the same every time
    assert len(emails_to(db_session, address)) == 5  # EMAILS_PER_ADDRESS: 5 an hour
    assert len(audited(db_session, "invite_family", record)) == 5
    assert len(audited(db_session, "invite_family_throttled", record)) == 1
