"""A referral being prepared is kept on the server: it survives a lost cookie and a second device, holds nothing
readable in the cookie or the session store, and is deleted when the referral is sent."""

from sqlalchemy import text
from sqlmodel import select

from directory.models import FamilyRecord, ReferralDraft, ServiceReferral
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record
from tests.test_referrals import service_id

REASON = "Quokka-safeguarding-7731: the father must not be told"


def _new_device(app, user):
    device = app.test_client()
    sign_in(device, user)
    return device


def test_a_draft_survives_a_lost_cookie_and_follows_the_person_to_a_second_device(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    laptop = _new_device(app, worker)
    record = new_record(laptop)
    complete_record(laptop, record)
    early_help = service_id(db_session, "early-help-family-support")
    assert laptop.post(f"/families/{record}/services", data={"services": [early_help]}).status_code == 302
    assert laptop.post(f"/families/{record}/consent", data={"reason_0": REASON}).status_code == 302

    phone = _new_device(app, worker)  # another browser: none of the laptop's cookies
    page = phone.get(f"/families/{record}/check-answers")
    assert page.status_code == 200 and "Early Help family support" in page.get_data(as_text=True)
    assert REASON in page.get_data(as_text=True)
    services = phone.get(f"/families/{record}/services")  # the choice is shown again, ticked
    assert services.soup.find("input", attrs={"value": early_help}).has_attr("checked")

    key = page.soup.find("input", attrs={"name": "idempotency_key"})["value"]
    assert phone.post(f"/families/{record}/check-answers", data={"idempotency_key": key}).status_code == 302
    assert db_session.exec(select(ServiceReferral)).one().without_consent_reason == REASON
    assert db_session.exec(select(ReferralDraft)).all() == []  # sent: the draft is gone
    assert phone.get(f"/families/{record}/check-answers").status_code == 302  # back to choosing services


def test_a_draft_is_the_persons_own_and_holds_nothing_readable(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    parent = make_user(db_session, ["family"])
    family = _new_device(app, parent)
    record = new_record(family)
    complete_record(family, record)
    early_help = service_id(db_session, "early-help-family-support")
    family.post(f"/families/{record}/services", data={"services": [early_help]})
    draft = db_session.exec(select(ReferralDraft)).one()
    assert str(draft.record_id) == record and draft.user_id == parent.id

    raw = db_session.connection().execute(text("SELECT data FROM referral_draft")).scalar_one()
    assert "early-help" not in raw.lower() and str(draft.data["services"][0]) not in raw
    sessions = db_session.connection().execute(text("SELECT data FROM web_session")).scalars().all()
    assert sessions and not any(draft.data["services"][0].encode() in data for data in sessions)

    # Another person who may see the record (its key worker) does not get this family's draft.
    worker = make_user(db_session, ["key_worker"])
    db_session.get(FamilyRecord, draft.record_id).key_worker_id = worker.id
    db_session.commit()
    staff = _new_device(app, worker)
    assert staff.get(f"/families/{record}/check-answers").status_code == 302
