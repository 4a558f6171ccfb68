"""The record's end: its key worker closes it (each open referral withdrawn, each service emailed) and reopens it;
consent for one service is withdrawn (the referral withdrawn, the service sees no more of the record); retention
anonymises closed records when the schedule says, keeping district, needs, dates and statuses."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from directory.models import (
    AuditEntry,
    FamilyAccess,
    FamilyRecord,
    FamilySection,
    ReferralDraft,
    ReferralEvent,
    Service,
    ServiceReferral,
)
from directory.referrals import closing, lifecycle, sent, submit, timeline
from directory.referrals import records as family_records
from directory.retention import apply_schedule, birthday
from tests.helpers.emails import emails_to
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record
from tests.test_concurrency import race
from tests.test_referrals import choose

EARLY_HELP, AUTISM = "early-help-family-support", "autism-family-support"
# What must never reach a service once consent is withdrawn, nor survive anonymisation.
CHILDS_DATA = ("Jones", "1 High St", "14 May 2017", "DE14 1AA", "Visual timetable", "loud rooms", "Alex")


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])


@pytest.fixture
def lead(db_session):
    return make_user(db_session, ["service_lead"], name="Lee Lead", services=[AUTISM])


@pytest.fixture
def staff(app, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, key_worker)
    return client


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def send(staff, db_session, slugs=(EARLY_HELP, AUTISM), record=None) -> tuple[str, dict[str, ServiceReferral]]:
    """A completed record (or `record`) sent to these services: its id and {slug: service referral}."""
    if record is None:
        record = new_record(staff)
        complete_record(staff, record)
    key = choose(staff, record, list(slugs), db_session)
    assert staff.post(f"/families/{record}/check-answers", data={"idempotency_key": key}).status_code == 302
    rows = {}
    for slug in slugs:
        service = db_session.exec(select(Service).where(Service.slug == slug)).one()
        rows[slug] = db_session.exec(select(ServiceReferral).where(
            ServiceReferral.record_id == uuid.UUID(record), ServiceReferral.service_id == service.id,
            ServiceReferral.status == "sent")).one()
    return record, rows


def referral_address(db_session, slug) -> str:
    return db_session.exec(select(Service.referral_email).where(Service.slug == slug)).one()


def events(db_session, record_id, **where) -> list[ReferralEvent]:
    query = select(ReferralEvent).where(ReferralEvent.record_id == uuid.UUID(str(record_id)))
    for name, value in where.items():
        query = query.where(getattr(ReferralEvent, name) == value)
    return list(db_session.exec(query.order_by(ReferralEvent.at)))


# --- closing -----------------------------------------------------------------------------------------------------


def test_closing_withdraws_every_open_referral_and_emails_each_service(app, staff, db_session, key_worker, lead):
    record, rows = send(staff, db_session)
    page = staff.get(f"/families/{record}/close")
    assert page.status_code == 200
    warning = text_of(page.soup.select_one("#withdrawn"))
    assert "Early Help" in warning or "early help" in warning.lower()
    assert len(page.soup.select("#withdrawn li")) == 2
    assert "withdraws its 2 open referrals" in text_of(page.soup)

    missing = staff.post(f"/families/{record}/close", data={"reason": "   "})
    assert missing.status_code == 200
    assert "Enter why you are closing the record" in text_of(missing.soup.select_one(".govuk-error-summary"))
    assert db_session.get(FamilyRecord, uuid.UUID(record)).closed_at is None

    before = {slug: len(emails_to(db_session, address)) for slug, address in
              ((EARLY_HELP, referral_address(db_session, EARLY_HELP)), (AUTISM, lead.email))}
    done = staff.post(f"/families/{record}/close", data={"reason": "The family moved to Wales"})
    assert done.status_code == 302 and done.headers["Location"] == f"/families/{record}"
    banner = text_of(staff.get(f"/families/{record}").soup.select_one(".govuk-notification-banner--success"))
    assert "Record closed. 2 open referrals withdrawn" in banner

    db_session.expire_all()
    assert db_session.get(FamilyRecord, uuid.UUID(record)).closed_at is not None
    for row in rows.values():
        row = db_session.get(ServiceReferral, row.id)
        assert (row.status, row.outcome, row.version) == ("withdrawn", "record_closed", 2)
    withdrawals = events(db_session, record, kind="withdraw")
    assert {e.service_referral_id for e in withdrawals} == {row.id for row in rows.values()}
    assert all(e.detail == {"reason": "record_closed", "text": "The family moved to Wales"} for e in withdrawals)
    closed = events(db_session, record, kind="record_closed")
    assert len(closed) == 1 and closed[0].service_referral_id is None and closed[0].actor == "key_worker"
    assert closed[0].detail == {"text": "The family moved to Wales"} and closed[0].actor_id == key_worker.id
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "close",
                                                    AuditEntry.record_id == uuid.UUID(record))).one()

    # Each service is told once, in an email that names no child and no service.
    for slug, address in ((EARLY_HELP, referral_address(db_session, EARLY_HELP)), (AUTISM, lead.email)):
        new = emails_to(db_session, address)[before[slug]:]
        assert len(new) == 1 and new[0].template == "referral_update"
        assert "withdrawn" in new[0].body_text and "Sam" not in new[0].body_text
        assert "Autism" not in new[0].body_text and "Early" not in new[0].body_text

    # The service sees the note on its timeline; nothing more can change.
    seen = timeline.entries(db_session, rows[AUTISM], "service")
    assert seen[-1].what == "Withdrew the referral, as the family's record was closed"
    assert seen[-1].text == "The family moved to Wales"
    assert staff.post(f"/families/{record}/close", data={"reason": "again"}).status_code == 302
    assert len(events(db_session, record, kind="record_closed")) == 1
    db_session.commit()  # ends the test session's savepoint, so an operation's rollback undoes only its own work
    with pytest.raises(lifecycle.Refused, match="record is closed"):
        lifecycle.act(db_session, lead.id, {"service_lead"}, rows[AUTISM].id, "acknowledge", 2)


def test_closing_needs_no_referrals_and_refuses_a_second_time(db_session, key_worker):
    record = FamilyRecord(reference="FAM-TEST-0001", created_by_id=key_worker.id, key_worker_id=key_worker.id)
    db_session.add(record)
    db_session.commit()
    assert closing.close_record(db_session, key_worker.id, {"key_worker"}, record.id, "No longer needed") == []
    with pytest.raises(lifecycle.Refused, match="already closed"):
        closing.close_record(db_session, key_worker.id, {"key_worker"}, record.id, "Again")
    with pytest.raises(lifecycle.Refused, match="Enter why you are reopening"):
        closing.reopen_record(db_session, key_worker.id, {"key_worker"}, record.id, "")
    assert len(events(db_session, record.id)) == 1


def test_reopening_needs_a_reason_and_the_withdrawn_referrals_can_be_sent_again(staff, db_session):
    record, rows = send(staff, db_session, slugs=(EARLY_HELP,))
    staff.post(f"/families/{record}/close", data={"reason": "Family asked us to stop"})
    # Closed, the record cannot be changed: nothing is saved, and the key worker is told why.
    refused = staff.post(f"/families/{record}/story", data={"what_matters": "Changed after closing"})
    assert refused.status_code == 302
    assert "closed, so nothing was saved" in text_of(staff.get(f"/families/{record}").soup)
    assert "Changed after closing" not in str(family_records.section_data(
        db_session, db_session.get(FamilyRecord, uuid.UUID(record))).get("story"))
    page = staff.get(f"/families/{record}/reopen")
    assert page.status_code == 200 and "stay withdrawn" in text_of(page.soup)
    missing = staff.post(f"/families/{record}/reopen", data={"reason": ""})
    assert "Enter why you are reopening the record" in text_of(missing.soup.select_one(".govuk-error-summary"))
    done = staff.post(f"/families/{record}/reopen", data={"reason": "They came back"})
    assert done.status_code == 302
    assert "Record reopened." in text_of(staff.get(f"/families/{record}").soup)
    db_session.expire_all()
    assert db_session.get(FamilyRecord, uuid.UUID(record)).closed_at is None
    reopened = events(db_session, record, kind="record_reopened")
    assert len(reopened) == 1 and reopened[0].detail == {"text": "They came back"}
    assert db_session.get(ServiceReferral, rows[EARLY_HELP].id).status == "withdrawn"
    # Open again: reopening an open record is refused, and the service can be sent a new referral.
    again = staff.post(f"/families/{record}/reopen", data={"reason": "Twice"})
    assert again.status_code == 302 and len(events(db_session, record, kind="record_reopened")) == 1
    _, new = send(staff, db_session, slugs=(EARLY_HELP,), record=record)
    assert new[EARLY_HELP].id != rows[EARLY_HELP].id and new[EARLY_HELP].status == "sent"


def test_only_the_records_key_worker_may_close_or_reopen_it(app, staff, db_session, key_worker, lead):
    record, rows = send(staff, db_session, slugs=(AUTISM,))
    other_worker = signed_in(app, make_user(db_session, ["key_worker"]))
    for path in (f"/families/{record}/close", f"/families/{record}/reopen"):
        assert other_worker.get(path).status_code == 404
        assert other_worker.post(path, data={"reason": "Not mine"}).status_code == 404
        assert signed_in(app, lead).post(path, data={"reason": "Not mine"}).status_code == 403
    family = make_user(db_session, ["family"])
    db_session.add(FamilyAccess(record_id=uuid.UUID(record), user_id=family.id))
    db_session.commit()
    family_client = signed_in(app, family)
    assert family_client.post(f"/families/{record}/close", data={"reason": "Ours"}).status_code == 403
    db_session.commit()
    with pytest.raises(lifecycle.Refused, match="Only the family's key worker"):
        closing.close_record(db_session, family.id, {"family"}, uuid.UUID(record), "Ours")
    assert closing.close_record(db_session, lead.id, {"service_lead"}, uuid.UUID(record), "Lead") is None
    assert closing.close_record(db_session, uuid.uuid4(), {"key_worker"}, uuid.uuid4(), "Nothing") is None
    db_session.expire_all()
    assert db_session.get(FamilyRecord, uuid.UUID(record)).closed_at is None
    assert db_session.get(ServiceReferral, rows[AUTISM].id).status == "sent"
    assert events(db_session, record, kind="record_closed") == []


# --- consent withdrawn -------------------------------------------------------------------------------------------


def test_withdrawing_consent_withdraws_the_referral_and_hides_the_record_from_the_service(app, staff, db_session,
                                                                                         key_worker, lead):
    record, rows = send(staff, db_session)
    row = rows[AUTISM]
    service_page = signed_in(app, lead)
    before = text_of(service_page.get(f"/service-referrals/{row.id}").soup)
    assert "Jones" in before  # what the service was sent, until consent is withdrawn
    db_session.commit()  # ends the test session's savepoint, so an operation's rollback undoes only its own work
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "ask", 1, text="Does the child sleep well?")
    lifecycle.act(db_session, key_worker.id, {"key_worker"}, row.id, "answer", 2,
                  text="Sam Jones sleeps badly since the move")

    page = staff.get(f"/service-referrals/{row.id}/withdraw-consent")
    assert page.status_code == 200 and "will be withdrawn" in text_of(page.soup)
    missing = staff.post(f"/service-referrals/{row.id}/withdraw-consent", data={"reason": ""})
    assert "Enter why consent is being withdrawn" in text_of(missing.soup.select_one(".govuk-error-summary"))
    lead_emails = len(emails_to(db_session, lead.email))
    done = staff.post(f"/service-referrals/{row.id}/withdraw-consent", data={"reason": "Mum no longer agrees"})
    assert done.status_code == 302
    assert "Consent withdrawn." in text_of(staff.get(done.headers["Location"]).soup)

    db_session.expire_all()
    row = db_session.get(ServiceReferral, row.id)
    assert row.consent_withdrawn_at is not None and (row.status, row.outcome) == ("withdrawn", "consent_withdrawn")
    assert db_session.get(ServiceReferral, rows[EARLY_HELP].id).status == "sent"  # only that service's
    kinds = [(e.kind, e.actor) for e in events(db_session, record, service_referral_id=row.id)]
    assert kinds[-2:] == [("consent_withdrawn", "key_worker"), ("withdraw", "key_worker")]
    assert events(db_session, record, kind="consent_withdrawn")[0].detail == {"text": "Mum no longer agrees"}
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "withdraw_consent",
                                                    AuditEntry.object_id == row.id)).one()
    told = emails_to(db_session, lead.email)[lead_emails:]
    assert len(told) == 1 and "withdrawn" in told[0].body_text and "Sam" not in told[0].body_text

    # The service's page and list hold nothing of the record: not what was sent, not anyone's words.
    page = service_page.get(f"/service-referrals/{row.id}")
    assert page.status_code == 200
    shown = text_of(page.soup)
    for value in (*CHILDS_DATA, "Sam", "sleeps badly", "Mum no longer agrees"):
        assert value not in shown, value
    assert "Withdrew consent" in shown
    db_session.commit()
    view = sent.open_service_referral(db_session, lead.id, {"service_lead"}, row.id)
    assert view.withheld and view.current == {} and view.as_sent == [] and view.changes == []
    assert not sent.open_service_referral(db_session, key_worker.id, {"key_worker"}, row.id).withheld
    assert all(entry.text is None for entry in timeline.entries(db_session, row, "service"))
    assert "Sam" not in text_of(service_page.get("/your-account").soup)
    inbox = service_page.get("/inbox?status=withdrawn")
    assert inbox.status_code == 200 and view.referral.reference in text_of(inbox.soup)
    listed = " ".join(text_of(row) for row in inbox.soup.select("tbody tr"))
    assert view.referral.reference in listed and "Consent withdrawn" in listed
    for value in ("Sam", "Jones", "East Staffordshire"):
        assert value not in listed, value
    # The key worker still sees it all.
    assert "Mum no longer agrees" in text_of(staff.get(f"/service-referrals/{row.id}").soup)
    assert staff.post(f"/service-referrals/{row.id}/withdraw-consent", data={"reason": "again"}).status_code == 302
    assert len(events(db_session, record, kind="consent_withdrawn")) == 1


def test_the_family_may_withdraw_consent_and_the_key_worker_is_told(app, staff, db_session, key_worker, lead):
    record, rows = send(staff, db_session, slugs=(AUTISM,))
    family = make_user(db_session, ["family"])
    db_session.add(FamilyAccess(record_id=uuid.UUID(record), user_id=family.id))
    db_session.commit()
    row = rows[AUTISM]
    db_session.commit()
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "accept", 1)
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "close", 2, reason="seen_and_supported")
    with pytest.raises(lifecycle.Refused, match="Only the family or their key worker"):
        closing.withdraw_consent(db_session, lead.id, {"service_lead"}, row.id, "Lead tries")
    assert signed_in(app, lead).get(f"/service-referrals/{row.id}/withdraw-consent").status_code == 403
    stranger = signed_in(app, make_user(db_session, ["family"]))
    assert stranger.get(f"/service-referrals/{row.id}/withdraw-consent").status_code == 404

    worker_emails, lead_emails = len(emails_to(db_session, key_worker.email)), len(emails_to(db_session, lead.email))
    family_client = signed_in(app, family)
    assert "your family's information" in text_of(
        family_client.get(f"/service-referrals/{row.id}/withdraw-consent").soup)
    assert family_client.post(f"/service-referrals/{row.id}/withdraw-consent",
                              data={"reason": "We changed our minds"}).status_code == 302
    db_session.expire_all()
    row = db_session.get(ServiceReferral, row.id)
    # A closed referral stays closed (its outcome kept); the service is still told consent was withdrawn.
    assert row.consent_withdrawn_at is not None and (row.status, row.outcome) == ("closed", "seen_and_supported")
    assert [e.actor for e in events(db_session, record, kind="consent_withdrawn")] == ["family"]
    to_lead = emails_to(db_session, lead.email)[lead_emails:]
    assert len(to_lead) == 1 and "Consent to share" in to_lead[0].body_text
    to_worker = emails_to(db_session, key_worker.email)[worker_emails:]
    assert len(to_worker) == 1 and "Consent to share" in to_worker[0].body_text
    assert emails_to(db_session, family.email) == [] or all(
        "Consent" not in m.body_text for m in emails_to(db_session, family.email))



# --- anonymisation -----------------------------------------------------------------------------------------------


def _what_remains(db_session, record_id: uuid.UUID) -> dict:
    """Everything the database holds about the record, decrypted."""
    db_session.expire_all()
    return {
        "record": db_session.get(FamilyRecord, record_id),
        "sections": {s.section: s.data for s in db_session.exec(
            select(FamilySection).where(FamilySection.record_id == record_id))},
        "access": db_session.exec(select(FamilyAccess).where(FamilyAccess.record_id == record_id)).all(),
        "drafts": db_session.exec(select(ReferralDraft).where(ReferralDraft.record_id == record_id)).all(),
        "rows": db_session.exec(select(ServiceReferral).where(ServiceReferral.record_id == record_id)).all(),
        "events": db_session.exec(select(ReferralEvent).where(ReferralEvent.record_id == record_id)
                                  .order_by(ReferralEvent.at)).all(),
    }


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_closed_record_with_referrals_is_anonymised_on_the_childs_31st_birthday(app, staff, db_session,
                                                                                   key_worker, lead):
    record, rows = send(staff, db_session)
    record_id, row = uuid.UUID(record), rows[AUTISM]
    family = make_user(db_session, ["family"])
    db_session.add(FamilyAccess(record_id=record_id, user_id=family.id))
    db_session.commit()
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "ask", 1, text="Does Sam Jones sleep well?")
    lifecycle.act(db_session, key_worker.id, {"key_worker"}, row.id, "answer", 2, text="Sam sleeps badly")
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "offer_appointment", 3,
                  at=_at(2027, 3, 30, 10, 30), place="Burton Clinic, 1 High St")
    # A draft of the next referral, left unsent.
    staff.post(f"/families/{record}/services", data={"services": [
        str(db_session.exec(select(Service.id).where(Service.slug == EARLY_HELP)).one())]})
    db_session.commit()
    closing.close_record(db_session, key_worker.id, {"key_worker"}, record_id, "Sam Jones moved to Wales")
    before = _what_remains(db_session, record_id)
    assert before["drafts"] and before["access"] and before["record"].lookup_hash
    statuses = [(e.kind, e.status) for e in before["events"]]

    # Born 14 May 2017: kept until the 31st birthday, whatever the 6 years after closing say.
    for now in (_at(2032, 12, 2), _at(2048, 5, 13, 23, 59)):
        assert apply_schedule(db_session, commit=True, now=now).counts["family_records"] == 0
        assert db_session.get(FamilyRecord, record_id).anonymised_at is None
    dry = apply_schedule(db_session, commit=False, now=_at(2048, 5, 14))
    assert dry.counts["family_records"] == 1
    assert ("      1  closed family records past their period (with a referral: the child's 31st birthday; "
            "without: 6 years after closing): to anonymise") in dry.lines()
    assert _what_remains(db_session, record_id)["record"].anonymised_at is None

    done = apply_schedule(db_session, commit=True, now=_at(2048, 5, 14))
    assert done.counts["family_records"] == 1
    after = _what_remains(db_session, record_id)
    kept = after["record"]
    assert kept.anonymised_at is not None and kept.lookup_hash is None
    assert (kept.reference, kept.closed_at, kept.created_at) == (before["record"].reference,
                                                                 before["record"].closed_at,
                                                                 before["record"].created_at)
    assert after["sections"] == {"child": {"district": "east-staffordshire"}, "needs": {"needs": ["SLCN"]}}
    assert after["access"] == [] and after["drafts"] == []
    for service_referral in after["rows"]:
        assert set(service_referral.sent_snapshot) <= {"child.district", "needs.needs"}
        assert service_referral.status == "withdrawn" and service_referral.outcome == "record_closed"
        assert service_referral.without_consent_reason is None
    assert db_session.get(ServiceReferral, row.id).appointment == {"at": "2027-03-30T10:30:00+00:00",
                                                                    "video": False}
    # The timeline keeps what happened and when, with codes; nobody's words.
    assert [(e.kind, e.status) for e in after["events"]] == statuses
    assert all("text" not in e.detail and "place" not in e.detail for e in after["events"])
    assert next(e for e in after["events"] if e.kind == "withdraw").detail == {"reason": "record_closed"}
    remains = " ".join(str(value) for value in (after["sections"], [r.sent_snapshot for r in after["rows"]],
                                                [r.appointment for r in after["rows"]],
                                                [e.detail for e in after["events"]]))
    for value in (*CHILDS_DATA, "Sam", "Wales", "Burton Clinic", "sleep"):
        assert value not in remains, value
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "anonymise",
                                                    AuditEntry.record_id == record_id)).one()

    assert apply_schedule(db_session, commit=True, now=_at(2048, 5, 14)).counts["family_records"] == 0
    with pytest.raises(lifecycle.Refused, match="anonymised"):
        closing.reopen_record(db_session, key_worker.id, {"key_worker"}, record_id, "Back again")


def test_a_closed_record_without_referrals_is_anonymised_six_years_after_closing(staff, db_session, key_worker):
    record = new_record(staff)
    complete_record(staff, record)
    open_record = new_record(staff)
    complete_record(staff, open_record)
    record_id = uuid.UUID(record)
    db_session.commit()
    closing.close_record(db_session, key_worker.id, {"key_worker"}, record_id, "Not needed after all")
    closed_at = db_session.get(FamilyRecord, record_id).closed_at
    closed_at = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=UTC)
    six_years = closed_at.replace(year=closed_at.year + 6)

    assert apply_schedule(db_session, commit=True, now=six_years - timedelta(minutes=1)).counts[
        "family_records"] == 0
    assert db_session.get(FamilyRecord, record_id).anonymised_at is None
    assert apply_schedule(db_session, commit=True, now=six_years + timedelta(minutes=1)).counts[
        "family_records"] == 1
    after = _what_remains(db_session, record_id)
    assert after["record"].anonymised_at is not None
    assert after["sections"] == {"child": {"district": "east-staffordshire"}, "needs": {"needs": ["SLCN"]}}
    # An open record is never anonymised, however old.
    # (A longer audit period: PostgreSQL's trigger counts the audit log's from the database's own clock.)
    assert apply_schedule(db_session, commit=True, now=_at(2090, 1, 1), audit_years=100).counts[
        "family_records"] == 0
    assert db_session.get(FamilyRecord, uuid.UUID(open_record)).anonymised_at is None
    assert _what_remains(db_session, uuid.UUID(open_record))["sections"]["child"]["last_name"] == "Jones"


def test_the_29th_of_february():
    assert birthday(date(2016, 2, 29), 31) == date(2047, 3, 1)
    assert birthday(date(2017, 5, 14), 31) == date(2048, 5, 14)


# --- closing while a service acts (real commits on their own database) --------------------------------------------


def test_closing_while_the_service_acknowledges_leaves_one_consistent_story(engine):
    """Whichever goes first, the record ends closed and the referral withdrawn once; the service's change is
    either made before the withdrawal or refused, never lost in between."""
    with Session(engine, expire_on_commit=False) as session:
        worker = make_user(session, ["key_worker"], districts=["tamworth"])
        lead = make_user(session, ["service_lead"], services=[EARLY_HELP])
        record = family_records.create_record(session, worker.id, {"key_worker"})
        family_records.save_section(session, worker.id, record, "child", {"postcode": "B79 7BZ",
                                                                        "district": "tamworth"}, True)
        service = session.exec(select(Service.id).where(Service.slug == EARLY_HELP)).one()
        submit.submit_referral(session, worker, {"key_worker"}, record,
                               [submit.Choice(service, "parent_with_parental_responsibility", "written")],
                               uuid.uuid4().hex, 20)
        row_id = session.exec(select(ServiceReferral.id)).one()

    def work(number):
        with Session(engine, expire_on_commit=False) as session:
            if number == 0:
                return closing.close_record(session, worker.id, {"key_worker"}, record.id, "Moved away")
            return lifecycle.act(session, lead.id, {"service_lead"}, row_id, "acknowledge", 1)

    closed, acknowledged = race(2, work)
    assert isinstance(closed, list), closed
    assert isinstance(acknowledged, ServiceReferral | lifecycle.Refused), acknowledged
    with Session(engine) as session:
        row = session.get(ServiceReferral, row_id)
        kinds = [e.kind for e in session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row_id)
                                              .order_by(ReferralEvent.at))]
        assert session.get(FamilyRecord, record.id).closed_at is not None
    assert row.status == "withdrawn" and kinds.count("withdraw") == 1
    if isinstance(acknowledged, ServiceReferral):
        assert kinds == ["sent", "acknowledge", "withdraw"] and row.version == 3
    else:
        assert kinds == ["sent", "withdraw"] and row.version == 2
