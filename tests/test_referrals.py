"""Routing a family record, consent per service, and one atomic, idempotent submission to many services."""

import threading

import pytest
from sqlmodel import Session, func, select

from directory.models import (
    AuditEntry,
    FamilyRecord,
    OutboxMessage,
    Referral,
    Service,
    ServiceReferral,
)
from directory.referrals import records as family_records
from directory.referrals import submit
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record

CONSENT = {"given_by": "parent_with_parental_responsibility", "method": "written"}


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])


@pytest.fixture
def client(app, db_session, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, key_worker)
    return client


def service_id(db_session, slug):
    return str(db_session.exec(select(Service.id).where(Service.slug == slug)).one())


def choose(client, record, slugs, db_session):
    response = client.post(f"/families/{record}/services", data={"services": [service_id(db_session, s)
                                                                            for s in slugs]})
    assert response.status_code == 302, text_of(response.soup)[:2000]
    consent = {}
    for i in range(len(slugs)):
        consent[f"given_by_{i}"], consent[f"method_{i}"] = CONSENT["given_by"], CONSENT["method"]
        consent[f"when_{i}"] = ["20", "11", "2026"]
    assert client.post(f"/families/{record}/consent", data=consent).status_code == 302
    page = client.get(f"/families/{record}/check-answers")
    return page.soup.find("input", attrs={"name": "idempotency_key"})["value"]


def count(db_session, model) -> int:
    return db_session.exec(select(func.count()).select_from(model)).one()


def test_services_page_groups_by_need_and_links_missing_facts_to_sections(client):
    record = new_record(client)
    client.post(f"/families/{record}/child", data={"first_name": "Sam"})
    page = client.get(f"/families/{record}/services")
    text = text_of(page.soup)
    assert "We need to know" in text
    assert page.soup.find("a", href=f"/families/{record}/child", string="your child's date of birth")
    complete_record(client, record)
    page = client.get(f"/families/{record}/services")
    headings = [h.get_text(strip=True) for h in page.soup.select("fieldset h2")]
    assert any(h.startswith("Speech and communication") for h in headings), headings
    assert page.soup.select("input[name=services]") and "Not right for this child" in text_of(page.soup)


def test_key_worker_refers_to_two_services_in_one_submission(client, db_session, key_worker):
    record = new_record(client)
    complete_record(client, record)
    slugs = ["autism-family-support", "early-help-family-support"]
    key = choose(client, record, slugs, db_session)
    response = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"])
    text = text_of(confirmation.soup)
    referral = db_session.exec(select(Referral)).one()
    assert referral.reference in text and "Referrals sent" in text
    assert "Kim Keyworker" in text
    rows = db_session.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).all()
    assert len(rows) == 2
    assert {r.consent_given_by for r in rows} == {CONSENT["given_by"]}
    assert {r.consent_at.date().isoformat() for r in rows} == {"2026-11-20"}
    assert db_session.get(FamilyRecord, referral.record_id).key_worker_id == key_worker.id


def test_each_service_receives_exactly_its_fields(client, db_session):
    early_help = db_session.exec(select(Service).where(Service.slug == "early-help-family-support")).one()
    early_help.data_needed = ["child.first_name", "people.carer_email", "story.what_matters"]
    db_session.commit()
    record = new_record(client)
    complete_record(client, record)
    consent_page_key = choose(client, record, ["early-help-family-support", "autism-family-support"], db_session)
    client.post(f"/families/{record}/check-answers", data={"idempotency_key": consent_page_key})
    sent = {r.service_id: r for r in db_session.exec(select(ServiceReferral))}
    to_early_help = sent[early_help.id]
    assert to_early_help.shared_fields == ["child.first_name", "people.carer_email", "story.what_matters"]
    assert set(to_early_help.sent_snapshot) == {"child.first_name", "people.carer_email", "story.what_matters"}
    other = next(r for sid, r in sent.items() if sid != early_help.id)
    assert "child.nhs_number" not in other.shared_fields and "child.last_name" in other.shared_fields


def test_consent_page_lists_the_fields_before_consent_and_requires_consent(client, db_session):
    record = new_record(client)
    complete_record(client, record)
    client.post(f"/families/{record}/services", data={"services": [service_id(db_session,
                                                                               "early-help-family-support")]})
    page = client.get(f"/families/{record}/consent")
    assert "will receive:" in text_of(page.soup) and "Child's first name" in text_of(page.soup)
    missing = client.post(f"/families/{record}/consent", data={"when_0": ["", "", ""]})
    summary = text_of(missing.soup.select_one(".govuk-error-summary"))
    assert "Select who gave consent" in summary and "Enter the date consent was given" in summary
    future = client.post(f"/families/{record}/consent", data={"given_by_0": CONSENT["given_by"],
                                                             "method_0": CONSENT["method"],
                                                             "when_0": ["1", "1", "2099"]})
    assert "When was consent given cannot be in the future" in text_of(future.soup)


def test_safeguarding_referral_without_consent_needs_a_reason(client, db_session):
    record = new_record(client)
    complete_record(client, record)
    client.post(f"/families/{record}/services", data={"services": [service_id(db_session,
                                                                               "early-help-family-support")]})
    assert client.post(f"/families/{record}/consent", data={"reason_0": "Risk of harm if asked"}).status_code == 302
    key = client.get(f"/families/{record}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})
    client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]})
    row = db_session.exec(select(ServiceReferral)).one()
    assert row.without_consent_reason == "Risk of harm if asked" and row.consent_given_by is None


def test_double_submission_creates_one_referral(client, db_session):
    record = new_record(client)
    complete_record(client, record)
    key = choose(client, record, ["early-help-family-support"], db_session)
    first = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    # The browser resends the same page (a double click or a retry after a timeout).
    choose(client, record, ["early-help-family-support"], db_session)
    second = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db_session, Referral) == 1 and count(db_session, ServiceReferral) == 1


def test_submission_is_all_or_nothing(db_session, key_worker):
    record = family_records.create_record(db_session, key_worker.id, {"key_worker"})
    db_session.commit()
    good = db_session.exec(select(Service).where(Service.slug == "early-help-family-support")).one()
    closed = db_session.exec(select(Service).where(Service.slug == "autism-family-support")).one()
    closed.accepting_referrals = False
    db_session.commit()
    choices = [submit.Choice(good.id, *CONSENT.values()), submit.Choice(closed.id, *CONSENT.values())]
    with pytest.raises(submit.ReferralError):
        submit.submit_referral(db_session, key_worker, {"key_worker"}, record, choices, "key-1", 20)
    db_session.rollback()
    assert count(db_session, Referral) == 0 and count(db_session, ServiceReferral) == 0


def test_self_referring_family_gets_the_least_busy_key_worker_for_their_district(app, db_session):
    busy = make_user(db_session, ["key_worker"], name="Busy Bea", districts=["east-staffordshire"])
    free = make_user(db_session, ["key_worker"], name="Free Fran", districts=["east-staffordshire"])
    full = make_user(db_session, ["key_worker"], name="Full Flo", districts=["east-staffordshire"],
                     caseload_limit=0)
    make_user(db_session, ["key_worker"], name="Elsewhere Ed", districts=["tamworth"])
    for _ in range(2):
        family_records.create_record(db_session, busy.id, {"key_worker"})
    family_records.create_record(db_session, free.id, {"key_worker"})
    db_session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    parent = make_user(db_session, ["family"], name="Pat Parent")
    client = app.test_client()
    sign_in(client, parent)
    record = new_record(client)
    complete_record(client, record)
    page = client.get(f"/families/{record}/services")
    assert page.soup.find("input", attrs={"value": service_id(db_session, "early-help-family-support")})
    # A service that only takes referrals from professionals cannot be chosen by a family.
    assert page.soup.find("input", attrs={"value": service_id(db_session, "educational-psychology-service")}) is None
    refused = client.post(f"/families/{record}/services",
                          data={"services": [service_id(db_session, "educational-psychology-service")]})
    assert refused.status_code == 200
    key = choose(client, record, ["early-help-family-support"], db_session)
    done = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    text = text_of(client.get(done.headers["Location"]).soup)
    assert "Free Fran" in text, text[text.find("Referrals sent", 60):][:600]
    family = db_session.exec(select(FamilyRecord).where(FamilyRecord.created_by_id == parent.id)).one()
    assert family.key_worker_id == free.id
    assert db_session.exec(select(Referral)).one().self_referral is True
    told = db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address == parent.email)).one()
    assert "Free Fran" in told.body_text
    assert db_session.exec(select(OutboxMessage).where(OutboxMessage.to_address == free.email)).first()
    del full


def test_changes_after_sending_show_as_changed_since_sent(client, app, db_session):
    lead = make_user(db_session, ["service_lead"], services=["early-help-family-support"])
    other_lead = make_user(db_session, ["service_lead"], services=["educational-psychology-service"])
    record = new_record(client)
    complete_record(client, record)
    key = choose(client, record, ["early-help-family-support"], db_session)
    client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    row = db_session.exec(select(ServiceReferral)).one()
    lead_client = app.test_client()
    sign_in(lead_client, lead)
    inbox = lead_client.get("/inbox")
    assert inbox.soup.find("a", href=f"/service-referrals/{row.id}")
    assert "1 open referral; 1 waiting for your reply." in text_of(lead_client.get("/your-account").soup)
    before = lead_client.get(f"/service-referrals/{row.id}")
    assert "Changed since sent" not in text_of(before.soup)
    client.post(f"/families/{record}/people", data={
        "carer_name": "Alex Jones", "relationship": "Mother", "parental_responsibility": "yes",
        "carer_phone": "07700 900999", "carer_email": "new@example.org", "contact_method": "email",
        "language": "English", "interpreter": "no"})
    after = text_of(lead_client.get(f"/service-referrals/{row.id}").soup)
    assert "Changed since sent" in text_of(lead_client.get("/inbox").soup)
    assert "Changed since sent" in after and "Email address" in after and "new@example.org" in after
    # Told once, updated once: the key worker sees the same.
    assert "Changed since sent" in text_of(client.get(f"/service-referrals/{row.id}").soup)
    stranger = app.test_client()
    sign_in(stranger, other_lead)
    assert stranger.get(f"/service-referrals/{row.id}").status_code == 404
    viewed = db_session.exec(select(AuditEntry).where(AuditEntry.object_type == "service_referral")).all()
    assert {entry.user_id for entry in viewed} >= {lead.id}


def test_two_concurrent_submissions_of_the_same_form_make_one_referral(fresh_app, backend):
    """Two real connections racing with one idempotency key: one referral, the other finds it."""
    from directory import migrate
    from directory.seed import apply_seed, load_seed
    from tests.helpers.databases import SEED_PATH, give_referral_addresses

    engine = fresh_app.extensions["db"].engine
    migrate.upgrade(engine)
    with Session(engine) as session:
        apply_seed(session, load_seed(SEED_PATH))
        give_referral_addresses(session)
        session.commit()
        worker = make_user(session, ["key_worker"])
        record = family_records.create_record(session, worker.id, {"key_worker"})
        session.commit()
        record_id, worker_id = record.id, worker.id
        service = session.exec(select(Service).where(Service.slug == "early-help-family-support")).one().id
    barrier, results, errors = threading.Barrier(2), [], []

    def send():
        with Session(engine, expire_on_commit=False) as session:
            from directory.models import User

            user = session.get(User, worker_id)
            family = session.get(FamilyRecord, record_id)
            barrier.wait()
            try:
                results.append(submit.submit_referral(
                    session, user, {"key_worker"}, family, [submit.Choice(service, *CONSENT.values())],
                    "same-form", 20).id)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(results)) == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Referral)).one() == 1
        assert session.exec(select(func.count()).select_from(ServiceReferral)).one() == 1


def test_services_page_suggests_other_services_from_the_graph(client, db_session):
    record = new_record(client)
    complete_record(client, record, child={"postcode": "ST4 1AA", "district": "stoke-on-trent"},
                    needs={"needs": ["SEMH"], "suspected": []})
    text = text_of(client.get(f"/families/{record}/services").soup)
    # The Staffordshire wellbeing service says no in Stoke-on-Trent, and points to the city's own service.
    assert "Instead, where you live:" in text
