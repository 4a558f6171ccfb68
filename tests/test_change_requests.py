"""Change requests: a lead's section edit waits for an admin; approving writes it through the one writer (the
public page and search together), rejecting tells the lead why; stale requests and two admins at once."""

import threading

import pytest
from sqlmodel import Session, func, select

from directory import migrate
from directory.listings import change_requests, writer
from directory.listings.change_requests import Changed, NotAllowed, Refused
from directory.models import ListingRevision, OutboxMessage, Service
from directory.models.listings import ChangeRequest
from directory.seed import apply_seed, load_seed
from tests.helpers.databases import SEED_PATH, give_referral_addresses
from tests.helpers.people import make_user

EARLY_HELP = "early-help-family-support"
OTHER = "autism-family-support"
NEW_DESCRIPTION = "A brand new description of the service, long enough to be a real one."


def service(session, slug=EARLY_HELP) -> Service:
    return session.exec(select(Service).where(Service.slug == slug)).one()


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def outbox(session, template):
    return session.exec(select(OutboxMessage).where(OutboxMessage.template == template)).all()


def test_a_lead_asks_for_a_change_which_waits_and_changes_nothing_public(db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    before = (writer.directory_revision(db_session), count(db_session, ListingRevision),
              writer.service_entry(db_session, early_help.id))
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "about",
                                             {"description": NEW_DESCRIPTION})
    assert request.status == "pending" and request.version == 1
    assert request.base_revision == writer.latest_revision(db_session, early_help.id)
    assert request.before == {"description": before[2]["description"]}
    assert (writer.directory_revision(db_session), count(db_session, ListingRevision),
            writer.service_entry(db_session, early_help.id)) == before
    assert [m.to_address for m in outbox(db_session, "change_request_admin")].count(admin.email) == 1


@pytest.mark.parametrize("section, changes, problem", [
    ("who_for", {"min_age": 30}, "min_age"),
    ("who_for", {"areas": ["atlantis"]}, "atlantis"),
    ("about", {"name": ""}, "name"),
    ("about", {"min_age": 3}, "cannot be changed"),
    ("nonsense", {"name": "X"}, "not a part"),
])
def test_an_invalid_change_is_refused_before_it_is_queued(db_session, section, changes, problem):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    early_help = service(db_session)
    before = (count(db_session, ChangeRequest), writer.directory_revision(db_session))
    with pytest.raises(writer.ListingError) as refused:
        change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, section, changes)
    assert any(problem in text for text in refused.value.problems), refused.value.problems
    assert (count(db_session, ChangeRequest), writer.directory_revision(db_session)) == before


def test_a_lead_cannot_ask_for_changes_to_another_service(db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    with pytest.raises(NotAllowed):
        change_requests.request_change(db_session, lead.id, {"service_lead"}, service(db_session, OTHER).id,
                                       "about", {"summary": "Taken over"})
    assert count(db_session, ChangeRequest) == 0


def test_approving_writes_the_change_and_tells_the_lead(db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "about",
                                             {"summary": "Help for families, now on Saturdays too."})
    with pytest.raises(NotAllowed):
        change_requests.decide(db_session, lead.id, request.id, 1, True, None)
    decided = change_requests.decide(db_session, admin.id, request.id, 1, True, None)
    assert decided.status == "approved" and decided.version == 2 and decided.decided_by_id == admin.id
    assert writer.service_entry(db_session, early_help.id)["summary"] == "Help for families, now on Saturdays too."
    latest = writer.revisions(db_session, early_help.id)[0]
    assert (latest.source, latest.user_id, latest.changed_fields) == ("approval", admin.id, ["summary"])
    [email] = [m for m in outbox(db_session, "change_request_decided") if m.to_address == lead.email]
    assert "approved" in email.subject
    with pytest.raises(Changed):
        change_requests.decide(db_session, admin.id, request.id, 1, False, "Too late")


def test_rejecting_needs_a_reason_which_the_lead_is_told(db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "costs",
                                             {"costs": [{"option": "A session", "amount": 5}]})
    with pytest.raises(Refused, match="reason"):
        change_requests.decide(db_session, admin.id, request.id, 1, False, "  ")
    before = writer.service_entry(db_session, early_help.id)
    decided = change_requests.decide(db_session, admin.id, request.id, 1, False, "The service is free")
    assert decided.status == "rejected" and decided.decision_reason == "The service is free"
    assert writer.service_entry(db_session, early_help.id) == before
    [email] = [m for m in outbox(db_session, "change_request_decided") if m.to_address == lead.email]
    assert "rejected" in email.subject and "The service is free" in email.body_text


def test_a_stale_request_is_refused_saying_which_field_changed(db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "about",
                                             {"summary": "One summary", "url": "https://example.org/help"})
    writer.update_service(db_session, early_help.id, {"url": "https://example.org/elsewhere"}, source="import")
    db_session.commit()
    with pytest.raises(Refused, match="website has changed"):
        change_requests.decide(db_session, admin.id, request.id, 1, True, None)
    assert db_session.get(ChangeRequest, request.id).status == "pending"
    assert writer.service_entry(db_session, early_help.id)["url"] == "https://example.org/elsewhere"


@pytest.fixture
def engine(fresh_app):
    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    with Session(engine) as session:
        apply_seed(session, load_seed(SEED_PATH))
        give_referral_addresses(session)
        session.commit()
    return engine


def race(work_a, work_b) -> list:
    barrier, results = threading.Barrier(2), [None, None]

    def run(number, work):
        barrier.wait()
        try:
            results[number] = work()
        except Exception as error:  # noqa: BLE001 - returned for the test to see
            results[number] = error

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate((work_a, work_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_admins_at_once_one_wins_and_the_other_is_told(engine):
    with Session(engine, expire_on_commit=False) as session:
        lead = make_user(session, ["service_lead"], services=[EARLY_HELP])
        admins = [make_user(session, ["admin"]) for _ in range(2)]
        early_help = service(session).id
        request = change_requests.request_change(session, lead.id, {"service_lead"}, early_help, "about",
                                                 {"summary": "Raced summary"})
        revisions_before = count(session, ListingRevision)

    def deciding(admin, approve):
        def work():
            with Session(engine, expire_on_commit=False) as session:
                return change_requests.decide(session, admin.id, request.id, 1, approve, "Because").status
        return work

    results = race(deciding(admins[0], True), deciding(admins[1], False))
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], Changed), results
    with Session(engine) as session:
        row = session.get(ChangeRequest, request.id)
        assert row.status == winners[0] and row.version == 2
        assert count(session, ListingRevision) == revisions_before + (1 if winners[0] == "approved" else 0)
        assert len(outbox(session, "change_request_decided")) == 1
