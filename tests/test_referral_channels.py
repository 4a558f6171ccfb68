"""Referrals go only where they can be received, and only from whom each service takes them: on the services page
and at submission, for key workers and families; a service that needs another professional offers a printable
summary holding only its fields."""

import uuid

import pytest
from sqlmodel import select

from directory.models import AuditEntry, Service
from directory.referrals import channels, submit
from directory.referrals import records as family_records
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record
from tests.test_referrals import CONSENT, service_id

PAEDIATRICS = "community-paediatrics-child-development"  # GP, health visitor or therapist only
EARLY_HELP = "early-help-family-support"  # key workers and families
KEY_WORKERS_ONLY = "camhs-south-staffordshire"


def _service(db_session, slug) -> Service:
    return db_session.exec(select(Service).where(Service.slug == slug)).one()


def _signed_in(app, db_session, role):
    app.config["WTF_CSRF_ENABLED"] = False
    user = make_user(db_session, [role], name="Kim Keyworker" if role == "key_worker" else "Pat Parent",
                     districts=["east-staffordshire"] if role == "key_worker" else ())
    client = app.test_client()
    sign_in(client, user)
    record = new_record(client)
    complete_record(client, record)
    return user, client, record


def _box(page, db_session, slug):
    return page.soup.find("input", attrs={"name": "services", "value": service_id(db_session, slug)})


def test_the_decision_for_each_kind_of_listing():
    def service(**values):
        return Service(id=uuid.uuid4(), organisation_id=uuid.uuid4(), slug="s", name="S", summary="", description="",
                       minimum_age=0, maximum_age=25, how_to_refer="", **values)

    here = service(referral_email="referrals@example.org")
    assert channels.decide(here, {"key_worker", "self"}, False, "key_worker").how == channels.HERE
    assert channels.decide(here, {"key_worker", "self"}, False, "family").how == channels.HERE
    assert channels.decide(service(), {"key_worker"}, True, "key_worker").how == channels.HERE  # a lead receives
    assert channels.decide(service(), {"key_worker"}, False, "key_worker").how == channels.CANNOT_RECEIVE
    gp_only = channels.decide(here, {"gp", "health_visitor"}, False, "key_worker")
    assert gp_only.how == channels.ASK_PROFESSIONAL
    assert gp_only.ask_whom() == "the child's GP or the child's health visitor"
    assert channels.decide(here, {"key_worker"}, False, "family").how == channels.ASK_KEY_WORKER
    assert channels.decide(here, set(), False, "key_worker").how == channels.THROUGH_ANOTHER_SERVICE
    for method, how in (("none", channels.NO_REFERRAL), ("phone", channels.PHONE), ("own_form", channels.OWN_FORM)):
        assert channels.decide(service(referral_method=method, referral_email="r@example.org"), {"key_worker"}, True,
                               "key_worker").how == how
    assert channels.decide(service(referral_email="r@example.org", accepting_referrals=False), {"key_worker"}, True,
                           "key_worker").how == channels.NOT_ACCEPTING


def test_a_key_worker_can_tick_only_services_that_take_referrals_from_key_workers_here(app, db_session):
    _user, client, record = _signed_in(app, db_session, "key_worker")
    page = client.get(f"/families/{record}/services")
    assert _box(page, db_session, EARLY_HELP) is not None
    assert _box(page, db_session, PAEDIATRICS) is None
    text = text_of(page.soup)
    assert "Ask the child's GP, the child's health visitor or a therapist working with the child to refer" in text
    assert page.soup.find("a", href=f"/families/{record}/services/{service_id(db_session, PAEDIATRICS)}/summary")
    # Services that need no referral are shown with how to contact them, never as a box to tick.
    sendiass = _service(db_session, "staffordshire-sendiass")
    assert sendiass.referral_method == "none" and _box(page, db_session, "staffordshire-sendiass") is None
    # Tampered choices are refused and nothing is kept.
    for slug in (PAEDIATRICS, "staffordshire-sendiass", "caudwell-children-autism-assessment"):
        refused = client.post(f"/families/{record}/services", data={"services": [service_id(db_session, slug)]})
        assert refused.status_code == 200 and "Select services from the list shown" in text_of(refused.soup)
    assert client.get(f"/families/{record}/consent").status_code == 302  # nothing chosen: back to the services


def test_a_service_that_cannot_receive_referrals_cannot_be_ticked_until_it_can(app, db_session):
    _user, client, record = _signed_in(app, db_session, "key_worker")
    early_help = _service(db_session, EARLY_HELP)
    early_help.referral_email = None
    db_session.commit()
    page = client.get(f"/families/{record}/services")
    assert _box(page, db_session, EARLY_HELP) is None
    assert "cannot receive referrals through this site yet" in text_of(page.soup)
    make_user(db_session, ["service_lead"], services=[EARLY_HELP])  # a lead answers referrals here
    assert _box(client.get(f"/families/{record}/services"), db_session, EARLY_HELP) is not None


@pytest.mark.parametrize("role, slug, message", [
    ("key_worker", PAEDIATRICS, "takes referrals only from professionals: ask the child's GP"),
    ("family", KEY_WORKERS_ONLY, "does not take referrals from families. Ask your key worker"),
    ("key_worker", "staffordshire-sendiass", "cannot be sent a referral through this site"),
])
def test_a_submission_to_a_service_that_does_not_take_it_is_refused(app, db_session, role, slug, message):
    user = make_user(db_session, [role])
    record = family_records.create_record(db_session, user.id, {role})
    choice = submit.Choice(_service(db_session, slug).id, *CONSENT.values())
    with pytest.raises(submit.ReferralError, match=message):
        submit.submit_referral(db_session, user, {role}, record, [choice], uuid.uuid4().hex, 20)


def test_a_family_sees_who_can_refer_for_services_it_cannot_refer_to_itself(app, db_session):
    _user, client, record = _signed_in(app, db_session, "family")
    page = client.get(f"/families/{record}/services")
    assert _box(page, db_session, EARLY_HELP) is not None
    assert _box(page, db_session, KEY_WORKERS_ONLY) is None


def test_the_summary_for_a_professional_holds_only_that_services_fields_and_is_audited(app, db_session):
    user, client, record = _signed_in(app, db_session, "key_worker")
    paediatrics = _service(db_session, PAEDIATRICS)
    paediatrics.data_needed = ["child.first_name", "child.date_of_birth", "needs.needs", "child.ehcp"]
    db_session.commit()
    page = client.get(f"/families/{record}/services/{paediatrics.id}/summary")
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    text = text_of(page.soup)
    assert "Ask the child's GP" not in text and "To the child's GP, the child's health visitor" in text
    assert "Sam" in text and "14 May 2017" in text and "Speech, language and communication needs" in text
    assert "The child does not have an education, health and care (EHC) plan" in text
    for not_needed in ("Jones", "1 High St", "alex@example.org", "football", "Visual timetable"):
        assert not_needed not in text
    assert not page.soup.find("script", src=lambda s: s and "summary" in s)
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == user.id, AuditEntry.action == "view")
                            .order_by(AuditEntry.at.desc())).first()
    assert entry.detail == {"page": "summary for a professional", "service_id": str(paediatrics.id)}
    # Only for a service that needs another professional, and only for a record the person may see.
    assert client.get(f"/families/{record}/services/{service_id(db_session, EARLY_HELP)}/summary").status_code == 404
    stranger = app.test_client()
    sign_in(stranger, make_user(db_session, ["key_worker"]))
    assert stranger.get(f"/families/{record}/services/{paediatrics.id}/summary").status_code == 404
