"""Deactivating an account: a key worker's families each go to the key worker the admin chose or back to the queue,
in one transaction with the emails and audit entries; the person cannot sign in and their sessions end; their
history stays. A deactivated lead no longer makes a service reply here. Reactivating lets them sign in again."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from directory import accounts, deactivation, people_admin
from directory.models import AuditEntry, FamilyRecord, FamilySection, OutboxMessage, ServiceReferral, User
from directory.models.accounts import utcnow
from directory.referrals import channels
from directory.referrals.reminders import send_reminders
from tests.helpers.emails import emails_to
from tests.helpers.pages import text_of
from tests.helpers.people import PASSWORD, make_user, sign_in
from tests.helpers.referrals import EARLY_HELP, new_family, send, service
from tests.test_reminders import TARGET, backdate, day


def signed_in(app, user):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def admin(db_session):
    return make_user(db_session, ["admin"], name="Ada Admin")


def in_district(db_session, record: FamilyRecord, slug: str) -> None:
    db_session.add(FamilySection(record_id=record.id, section="child", data={"district": slug, "first_name": "Sam"}))
    db_session.commit()


def actions(db_session, action: str) -> list[AuditEntry]:
    return list(db_session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.at)))


def outbox_count(db_session) -> int:
    return len(db_session.exec(select(OutboxMessage)).all())


def errors(page) -> str:
    return text_of(page.soup.select_one(".govuk-error-summary"))


def warnings_on(page) -> list[str]:
    return [text_of(w) for w in page.soup.select(".govuk-warning-text__text")]


def test_a_key_worker_is_deactivated_and_each_family_goes_where_the_admin_chose(app, db_session, admin):
    leaving = make_user(db_session, ["key_worker"], name="Wendy Leaving", districts=["east-staffordshire"])
    near = make_user(db_session, ["key_worker"], name="Zoe Nearby", districts=["east-staffordshire"])
    far = make_user(db_session, ["key_worker"], name="Amy Faraway", districts=["cannock-chase"])
    make_user(db_session, ["service_lead"], name="Lou Lead")
    moved, moved_family = new_family(db_session, leaving)
    queued, queued_family = new_family(db_session, leaving)
    in_district(db_session, moved, "east-staffordshire")
    moved.key_worker_changed_at = utcnow() - timedelta(days=20)
    db_session.commit()
    their_session = signed_in(app, leaving)
    assert their_session.get("/your-account").status_code == 200
    history = len(db_session.exec(select(AuditEntry).where(AuditEntry.user_id == leaving.id)).all())
    assert history >= 2  # made two records

    client = signed_in(app, admin)
    assert client.get(f"/admin/people/{leaving.id}").soup.select_one("a[href$='/deactivate']") is not None
    path = f"/admin/people/{leaving.id}/deactivate"
    page = client.get(path)
    assert page.status_code == 200
    selects = page.soup.select("select")
    assert [s["name"] for s in selects] == [f"move_{moved.id.hex}", f"move_{queued.id.hex}"]  # longest with them first
    first = selects[0].find_parent(class_="govuk-form-group")
    assert text_of(first.select_one("label")) == f"Who takes {moved.reference}?"
    assert text_of(first.select_one(".govuk-hint")) == "Area: East Staffordshire. With Wendy Leaving for 2 weeks."
    assert [text_of(o) for o in selects[0].select("option")] == [
        "Choose", "Return to the queue for a new key worker", "Zoe Nearby, covers East Staffordshire (0 open families)",
        "Amy Faraway (0 open families)"]
    second = selects[1].find_parent(class_="govuk-form-group")
    assert text_of(second.select_one(".govuk-hint")).startswith("Area: not known yet. With Wendy Leaving for")
    assert "Sam" not in text_of(page.soup)
    viewed = [(e.record_id, e.detail) for e in actions(db_session, "view") if e.user_id == admin.id]
    assert sorted(viewed) == sorted((r.id, {"page": "deactivate a key worker", "fields": ["child.district"]})
                                    for r in (moved, queued))

    shown = page.soup.select_one("input[name=shown]")["value"]
    missing = client.post(path, data={"shown": shown, f"move_{moved.id.hex}": str(near.id)})
    assert f"Select who takes {queued.reference}" in errors(missing)
    tampered = client.post(path, data={"shown": shown, f"move_{moved.id.hex}": str(leaving.id),
                                       f"move_{queued.id.hex}": "queue"})
    assert f"Select who takes {moved.reference} from the list" in errors(tampered)
    db_session.refresh(leaving)
    assert leaving.is_active

    before = utcnow()
    version = leaving.session_version
    done = client.post(path, data={"shown": shown, f"move_{moved.id.hex}": str(near.id),
                                   f"move_{queued.id.hex}": "queue"})
    assert done.status_code == 302 and done.headers["Location"] == f"/admin/people/{leaving.id}"
    shown_page = client.get(done.headers["Location"])
    assert "Wendy Leaving's account has been deactivated. They have been signed out everywhere. Their 2 families " \
           "have been moved." in text_of(shown_page.soup)
    today = f"{before.day} {before:%B %Y}"
    assert text_of(shown_page.soup.select_one(".govuk-summary-list")).count(f"Deactivated on {today}") == 1

    db_session.expire_all()
    moved, queued = db_session.get(FamilyRecord, moved.id), db_session.get(FamilyRecord, queued.id)
    assert moved.key_worker_id == near.id and queued.key_worker_id is None
    for record in (moved, queued):
        changed = record.key_worker_changed_at
        assert (changed if changed.tzinfo else changed.replace(tzinfo=before.tzinfo)) >= before
        assert record.created_by_id == leaving.id  # records they made stay theirs
    leaving = db_session.get(User, leaving.id)
    assert not leaving.is_active and leaving.deactivated_at is not None
    assert leaving.session_version == version + 1
    [to_near] = emails_to(db_session, near.email)
    [to_moved_family] = emails_to(db_session, moved_family.email)
    [to_queued_family] = emails_to(db_session, queued_family.email)
    assert to_near.template == "key_worker_allocated" and to_moved_family.template == "your_key_worker"
    assert "Zoe Nearby" in to_moved_family.body_text
    assert to_queued_family.template == "key_worker_left"
    assert "new key worker soon" in to_queued_family.body_text
    for message in (to_near, to_moved_family, to_queued_family):
        assert "Sam" not in message.body_text and "Early help" not in message.body_text
    assert emails_to(db_session, far.email) == [] and emails_to(db_session, leaving.email) == []
    allocated = {e.record_id: e.detail for e in actions(db_session, "allocate")}
    assert allocated == {moved.id: {"key_worker": str(near.id)}, queued.id: {"key_worker": None}}
    [deactivated] = actions(db_session, "deactivate")
    assert deactivated.user_id == admin.id and deactivated.object_id == leaving.id
    assert deactivated.detail == {"families_moved": 2, "returned_to_queue": 1}
    assert len(db_session.exec(select(AuditEntry).where(AuditEntry.user_id == leaving.id)).all()) == history

    # They cannot sign in, and the session they had has ended.
    assert accounts.authenticate(db_session, leaving.email, PASSWORD) is None
    refused = app.test_client().post("/sign-in", data={"email": leaving.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert their_session.get("/your-account").status_code == 302
    # The family returned to the queue waits there from now.
    waiting = client.get("/admin/waiting-for-key-worker")
    assert [text_of(row.select_one("td")) for row in waiting.soup.select("tbody tr")] == [queued.reference]
    # Deactivated already: the page goes back to their page.
    assert client.get(path).status_code == 302


def test_families_changed_since_the_page_was_opened_are_refused_and_nothing_is_written(app, db_session, admin):
    leaving = make_user(db_session, ["key_worker"])
    other = make_user(db_session, ["key_worker"])
    first, _ = new_family(db_session, leaving)
    client = signed_in(app, admin)
    path = f"/admin/people/{leaving.id}/deactivate"
    page = client.get(path)
    shown = page.soup.select_one("input[name=shown]")["value"]
    later, _ = new_family(db_session, leaving)  # given to them while the admin was deciding
    messages, records_before = outbox_count(db_session), {first.id: leaving.id, later.id: leaving.id}

    refused = client.post(path, data={"shown": shown, f"move_{first.id.hex}": str(other.id)})
    assert refused.status_code == 302 and refused.headers["Location"] == path
    again = client.get(path)
    assert deactivation.FAMILIES_CHANGED in text_of(again.soup)
    assert len(again.soup.select("select")) == 2

    with pytest.raises(deactivation.Refused, match="Their families changed since you opened this page"):
        deactivation.deactivate(db_session, admin.id, leaving.id, {first.id: other.id})
    db_session.expire_all()
    assert db_session.get(User, leaving.id).is_active
    assert {r: db_session.get(FamilyRecord, r).key_worker_id for r in records_before} == records_before
    assert actions(db_session, "deactivate") == [] and actions(db_session, "allocate") == []
    assert outbox_count(db_session) == messages


def test_a_deactivated_lead_no_longer_receives_referrals_or_reminders(app, db_session, admin):
    lead = make_user(db_session, ["service_lead"], name="Lou Lead", services=[EARLY_HELP])
    early_help = service(db_session, EARLY_HELP)
    assert channels.services_with_leads(db_session, [early_help.id]) == {early_help.id}
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    record, _ = new_family(db_session, worker)
    before = send(db_session, worker, record)
    assert before.replies_here
    backdate(db_session, before)

    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{lead.id}/deactivate")
    assert warnings_on(page) == [f"Warning If you remove them, referrals to {early_help.name} will go only to its "
                                 "referral address."]
    assert page.soup.select("select") == []
    done = client.post(f"/admin/people/{lead.id}/deactivate",
                       data={"shown": page.soup.select_one("input[name=shown]")["value"]})
    assert done.status_code == 302
    # The requests ran inside this session's open savepoint (one test connection): end it, so that starting the
    # next record (which ends the session's transaction before writing) keeps them, as separate connections would.
    db_session.commit()
    db_session.expire_all()
    assert not db_session.get(User, lead.id).is_active

    assert channels.services_with_leads(db_session, [early_help.id]) == set()
    other_record, _ = new_family(db_session, worker)
    after = send(db_session, worker, other_record)
    assert not after.replies_here
    by_email = db_session.exec(select(OutboxMessage).where(OutboxMessage.template == "new_referral_by_email")).all()
    assert [m.to_address for m in by_email] == [early_help.referral_email]
    send_reminders(db_session, day(TARGET + 1))
    reminders = db_session.exec(select(OutboxMessage).where(OutboxMessage.template == "referral_reminder")).all()
    assert reminders and lead.email not in {m.to_address for m in reminders}
    assert [m.template for m in emails_to(db_session, lead.email)] == ["new_referral"]  # from before, only
    assert db_session.exec(select(ServiceReferral).where(ServiceReferral.id == before.id)).one().replies_here


def test_a_lead_whose_role_was_taken_no_longer_makes_the_service_reply_here(db_session, admin):
    lead = make_user(db_session, ["service_lead", "key_worker"], services=[EARLY_HELP])
    early_help = service(db_session, EARLY_HELP)
    people_admin.set_roles(db_session, admin.id, lead.id, ["key_worker"])
    assert channels.services_with_leads(db_session, [early_help.id]) == set()


def test_you_cannot_deactivate_yourself_or_the_last_admin(app, db_session, admin):
    page = signed_in(app, admin).get(f"/admin/people/{admin.id}/deactivate")
    assert "You cannot deactivate your own account" in text_of(page.soup) and page.soup.select("form") == []
    with pytest.raises(deactivation.Refused, match="You cannot deactivate your own account"):
        deactivation.deactivate(db_session, admin.id, admin.id, {})
    someone = make_user(db_session, ["key_worker"])
    for other_id in people_admin.active_admins(db_session) - {admin.id}:
        db_session.get(User, other_id).is_active = False
    db_session.commit()
    with pytest.raises(deactivation.Refused, match="They are the only active admin"):
        deactivation.deactivate(db_session, someone.id, admin.id, {})
    db_session.refresh(admin)
    assert admin.is_active


def test_a_deactivated_account_is_reactivated(app, db_session, admin):
    person = make_user(db_session, ["key_worker"], name="Kim Worker")
    deactivation.deactivate(db_session, admin.id, person.id, {})
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{person.id}")
    assert "They cannot sign in" in text_of(page.soup)
    assert client.get(f"/admin/people/{person.id}/reactivate").status_code == 200
    done = client.post(f"/admin/people/{person.id}/reactivate", data={})
    assert done.status_code == 302
    assert "Kim Worker's account has been reactivated. They can sign in again." \
        in text_of(client.get(done.headers["Location"]).soup)
    db_session.refresh(person)
    assert person.is_active and person.deactivated_at is None
    assert [e.object_id for e in actions(db_session, "reactivate")] == [person.id]
    sign_in(app.test_client(), person)
    with pytest.raises(deactivation.Refused, match="already active"):
        deactivation.reactivate(db_session, admin.id, person.id)
    with pytest.raises(deactivation.NotFound):
        deactivation.reactivate(db_session, admin.id, uuid.uuid4())
