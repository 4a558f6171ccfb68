"""Admins see the families waiting for a key worker (the record's reference, its district and how long it has
waited: nothing else) and assign one: audited, with emails to the key worker and the family."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from directory import allocation, migrate
from directory.models import AuditEntry, FamilyRecord, OutboxMessage
from directory.models.accounts import utcnow
from directory.referrals import closing
from directory.referrals import records as family_records
from directory.seed import apply_seed, load_seed
from tests.helpers.databases import SEED_PATH
from tests.helpers.emails import emails_to
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import CHILD, PEOPLE, STORY, complete_record, new_record
from tests.test_concurrency import race

FAMILY_WORDS = (CHILD["first_name"], CHILD["last_name"], CHILD["address_line_1"], CHILD["postcode"],
                PEOPLE["carer_name"], STORY["good_day"], "14 May 2017")


def signed_in(app, user):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def admin(db_session):
    return make_user(db_session, ["admin"], name="Ada Admin")


@pytest.fixture
def family(db_session):
    return make_user(db_session, ["family"], name="Alex Jones")


@pytest.fixture
def waiting(app, db_session, family) -> uuid.UUID:
    """A family's own record, filled in, with no key worker yet, waiting for 20 days."""
    client = signed_in(app, family)
    record = new_record(client)
    complete_record(client, record)
    row = db_session.get(FamilyRecord, uuid.UUID(record))
    assert row.key_worker_id is None
    row.created_at = row.key_worker_changed_at = utcnow() - timedelta(days=20)
    db_session.commit()
    return row.id


def test_the_queue_shows_only_reference_district_and_wait(app, db_session, admin, family, waiting):
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    staff = signed_in(app, worker)
    has_one = new_record(staff)  # a key worker's own record has its key worker
    complete_record(staff, has_one)
    closed = FamilyRecord(reference="FAM-TEST-0002", created_by_id=family.id)
    db_session.add(closed)
    db_session.commit()
    closed.closed_at = utcnow()
    db_session.commit()

    page = signed_in(app, admin).get("/admin/waiting-for-key-worker")
    assert page.status_code == 200
    rows = [[text_of(cell) for cell in row.select("td")] for row in page.soup.select("tbody tr")]
    reference = db_session.get(FamilyRecord, waiting).reference
    assert rows == [[reference, "East Staffordshire", "2 weeks", f"Assign a key worker to {reference}"]]
    shown = text_of(page.soup)
    for words in FAMILY_WORDS:
        assert words not in shown, words
    seen = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == admin.id,
                                                    AuditEntry.action == "view")).all()
    assert [(e.record_id, e.detail["fields"]) for e in seen] == [(waiting, ["child.district"])]


def test_an_admin_assigns_a_key_worker_and_both_are_emailed(app, db_session, admin, family, waiting):
    near = make_user(db_session, ["key_worker"], name="Zoe Nearby", districts=["east-staffordshire"])
    far = make_user(db_session, ["key_worker"], name="Amy Faraway", districts=["cannock-chase"])
    gone = make_user(db_session, ["key_worker"], name="Gus Gone", districts=["east-staffordshire"])
    gone.is_active = False
    make_user(db_session, ["service_lead"], name="Lou Lead")
    db_session.commit()
    client = signed_in(app, admin)
    path = f"/admin/waiting-for-key-worker/{waiting}"
    page = client.get(path)
    labels = [text_of(label) for label in page.soup.select(".govuk-radios__label")]
    assert labels[0] == "Zoe Nearby, covers East Staffordshire (0 open families)"
    assert "Amy Faraway (0 open families)" in labels[1:]
    assert not any("Gus Gone" in label or "Lou Lead" in label for label in labels)
    for words in FAMILY_WORDS:
        assert words not in text_of(page.soup), words

    missing = client.post(path, data={})
    assert "Select a key worker" in text_of(missing.soup.select_one(".govuk-error-summary"))
    tampered = client.post(path, data={"key_worker": str(gone.id)})
    assert "Select a key worker from the list" in text_of(tampered.soup.select_one(".govuk-error-summary"))
    assert db_session.get(FamilyRecord, waiting).key_worker_id is None

    done = client.post(path, data={"key_worker": str(far.id)})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/waiting-for-key-worker"
    listed = client.get("/admin/waiting-for-key-worker")
    assert "Amy Faraway is now the key worker" in text_of(listed.soup)
    assert "No families are waiting" in text_of(listed.soup)
    db_session.expire_all()
    assert db_session.get(FamilyRecord, waiting).key_worker_id == far.id
    allocated = db_session.exec(select(AuditEntry).where(AuditEntry.action == "allocate",
                                                         AuditEntry.record_id == waiting)).one()
    assert allocated.user_id == admin.id and allocated.detail == {"key_worker": str(far.id)}
    [to_worker] = emails_to(db_session, far.email)
    [to_family] = emails_to(db_session, family.email)
    assert to_worker.template == "key_worker_allocated" and to_family.template == "your_key_worker"
    assert "Amy Faraway" in to_family.body_text
    for message in (to_worker, to_family):
        assert CHILD["first_name"] not in message.body_text and CHILD["last_name"] not in message.subject
    assert emails_to(db_session, near.email) == []
    # Assigned: the page is gone, and assigning again changes nothing.
    assert client.get(path).status_code == 404
    assert client.post(path, data={"key_worker": str(near.id)}).status_code == 404
    assert db_session.get(FamilyRecord, waiting).key_worker_id == far.id


def test_assigning_directly_refuses_what_is_not_waiting_or_not_a_key_worker(db_session, admin, family, waiting):
    lead = make_user(db_session, ["service_lead"])
    worker = make_user(db_session, ["key_worker"])
    with pytest.raises(allocation.Refused):
        allocation.assign_key_worker(db_session, admin.id, waiting, lead.id)
    assert allocation.assign_key_worker(db_session, admin.id, uuid.uuid4(), worker.id) is None
    assert allocation.assign_key_worker(db_session, admin.id, waiting, worker.id).id == worker.id
    assert allocation.assign_key_worker(db_session, admin.id, waiting, worker.id) is None  # no longer waiting
    # The key worker may now close it; a closed record waits for nobody.
    closing.close_record(db_session, worker.id, {"key_worker"}, waiting, "Family moved away")
    assert allocation.waiting_record(db_session, admin.id, waiting) is None


def test_only_admins_see_the_queue(app, db_session, waiting):
    for role in ("key_worker", "service_lead", "family", "information_governance"):
        client = signed_in(app, make_user(db_session, [role]))
        assert client.get("/admin/waiting-for-key-worker").status_code == 403
        assert client.get(f"/admin/waiting-for-key-worker/{waiting}").status_code == 403


@pytest.mark.parametrize(("days", "words"), [(0, "Less than a day"), (1, "1 day"), (13, "13 days"),
                                             (20, "2 weeks"), (60, "8 weeks"), (100, "3 months")])
def test_how_long(days, words):
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert allocation.how_long(now - timedelta(days=days, hours=1), now) == words


def test_two_admins_assigning_at_once_assign_one_key_worker(fresh_app):
    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        apply_seed(session, load_seed(SEED_PATH))
        session.commit()
        admins = [make_user(session, ["admin"]) for _ in range(2)]
        workers = [make_user(session, ["key_worker"]) for _ in range(2)]
        family = make_user(session, ["family"])
        record = family_records.create_record(session, family.id, {"family"})

    def assign(number):
        with Session(engine, expire_on_commit=False) as session:
            worker = allocation.assign_key_worker(session, admins[number].id, record.id, workers[number].id)
            return worker.id if worker else None

    results = race(2, assign)
    assert not [r for r in results if isinstance(r, Exception)], results
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    with Session(engine) as session:
        assert session.get(FamilyRecord, record.id).key_worker_id == winners[0]
        assert session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.template == "key_worker_allocated")).one() == 1
        assert session.exec(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "allocate")).one() == 1
