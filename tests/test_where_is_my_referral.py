"""'Where is my referral?': what a family and their key worker see of one referral, and what they can do there."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from directory.models import FamilyRecord, Referral, ReferralEvent, Service, ServiceReferral
from directory.models.referrals import STATUSES
from directory.referrals import lifecycle, words
from directory.referrals.words import DECLINE_REASONS
from directory.web.filters import weeks as published_words
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record

SERVICE = "early-help-family-support"
CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "written", "when_0": ["20", "11", "2026"]}
LEAD_NAME = "Leonora Leadbetter"


def service_id(db_session, slug):
    return str(db_session.exec(select(Service.id).where(Service.slug == slug)).one())


def send(client, db_session, record, slug) -> ServiceReferral:
    """Choose one service, give consent and send, through the pages."""
    assert client.post(f"/families/{record}/services", data={"services": [service_id(db_session, slug)]}
                       ).status_code == 302
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302
    key = client.get(f"/families/{record}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})
    assert client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]}
                       ).status_code == 302
    return db_session.exec(select(ServiceReferral).join(Service, Service.id == ServiceReferral.service_id)
                           .where(ServiceReferral.record_id == uuid.UUID(record), Service.slug == slug)).one()


@pytest.fixture
def world(app, db_session):
    """A family that referred itself to a service with a lead; a key worker for their district."""
    app.config["WTF_CSRF_ENABLED"] = False
    lead = make_user(db_session, ["service_lead"], name=LEAD_NAME, services=[SERVICE])
    key_worker = make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])
    key_worker.work_phone = "01785 276000"
    db_session.commit()
    family = make_user(db_session, ["family"], name="Alex Jones")
    client = app.test_client()
    sign_in(client, family)
    record = new_record(client)
    complete_record(client, record)
    row = send(client, db_session, record, SERVICE)
    return {"client": client, "lead": lead, "key_worker": key_worker, "family": family, "record": record, "row": row}


def lead_does(db_session, lead, row, action, **values) -> ServiceReferral:
    # The test's session ends what it has read before acting (act rolls its session back first, which must not
    # undo what the pages wrote since the test last committed).
    db_session.commit()
    db_session.refresh(row)
    done = lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, action, row.version, **values)
    assert done is not None
    return done


def page_text(client, row) -> tuple:
    response = client.get(f"/service-referrals/{row.id}")
    assert response.status_code == 200
    return response.soup, text_of(response.soup)


def post_action(client, row, action, db_session, **data):
    db_session.refresh(row)
    return client.post(f"/service-referrals/{row.id}/{action}", data={"version": str(row.version), **data})


def test_family_sees_status_in_words_waited_against_published_wait_next_step_and_key_worker(world, db_session):
    client, row = world["client"], world["row"]
    referral = db_session.get(Referral, row.referral_id)
    referral.submitted_at = datetime.now(UTC) - timedelta(weeks=3, days=1)
    db_session.commit()
    lead_does(db_session, world["lead"], row, "wait_list", weeks=18)
    soup, text = page_text(client, row)
    assert "On the waiting list. They expect to see your child in about 18 weeks." in text
    assert soup.select_one("#status-words").get_text(strip=True) == words.family_status("waiting_list", 18)
    published = db_session.get(Service, row.service_id).wait_weeks
    assert published is not None
    rows = {" ".join(r.select_one("dt").get_text().split()): " ".join(r.select_one("dd").get_text().split())
            for r in soup.select(".govuk-summary-list__row")}
    assert rows["Waited so far"] == "3 weeks"
    assert rows["Published wait"] == published_words(published)
    assert "About 18 weeks" in rows["Expected wait"]
    assert soup.select_one("#next-step").get_text(strip=True) == words.family_next_step("waiting_list")
    # Their key worker, by name, email and work phone.
    assert "Your key worker" in text and "Kim Keyworker" in text and world["key_worker"].email in text
    assert "01785 276000" in text and soup.find("a", href=f"mailto:{world['key_worker'].email}")
    # No service lead's name, no status or reason codes.
    assert LEAD_NAME not in text


def test_a_family_answers_the_services_question_from_the_page(world, db_session):
    client, row = world["client"], world["row"]
    lead_does(db_session, world["lead"], row, "ask", text="Which school does Sam go to?")
    record_page = text_of(client.get(f"/families/{world['record']}").soup)
    assert "asked a question that needs an answer" in record_page
    soup, text = page_text(client, row)
    assert "A question for you" in text and "Which school does Sam go to?" in text
    answer = soup.find("a", string=lambda s: s and "Answer the question" in s)
    assert answer["href"] == f"/service-referrals/{row.id}/answer"
    empty = post_action(client, row, "answer", db_session, text="")
    assert empty.status_code == 200 and "Enter your answer" in text_of(empty.soup)
    assert post_action(client, row, "answer", db_session, text="Stapenhill Primary").status_code == 302
    db_session.refresh(row)
    assert row.status == "acknowledged"
    soup, text = page_text(client, row)
    assert "A question for you" not in text and "Answered the question" in text and "Stapenhill Primary" in text


def test_a_family_accepts_an_appointment_and_asks_to_rearrange_it(world, db_session):
    client, row = world["client"], world["row"]
    at = datetime(2027, 3, 30, 10, 30, tzinfo=UTC)
    lead_does(db_session, world["lead"], row, "offer_appointment", at=at, place="Burton Clinic")
    soup, text = page_text(client, row)
    assert "Your appointment" in text and "30 March 2027" in text and "Burton Clinic" in text
    links = {a.get_text(strip=True): a["href"] for a in soup.select("#appointment ~ .govuk-button-group a")}
    assert links == {"Accept the appointment": f"/service-referrals/{row.id}/accept_appointment",
                     "Ask to rearrange": f"/service-referrals/{row.id}/ask_to_rearrange"}
    assert post_action(client, row, "accept_appointment", db_session).status_code == 302
    assert post_action(client, row, "ask_to_rearrange", db_session, text="Afternoons are better").status_code == 302
    kinds = [e.kind for e in db_session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row.id)
                                             .order_by(ReferralEvent.at))]
    assert kinds[-2:] == ["accept_appointment", "ask_to_rearrange"]
    soup, text = page_text(client, row)
    assert "Accepted the appointment" in text and "Asked to rearrange the appointment" in text


def test_a_family_withdraws_a_referral(world, db_session):
    client, row = world["client"], world["row"]
    soup, _ = page_text(client, row)
    assert soup.find("a", href=f"/service-referrals/{row.id}/withdraw")
    assert post_action(client, row, "withdraw", db_session, text="We have moved away").status_code == 302
    db_session.refresh(row)
    assert row.status == "withdrawn"
    soup, text = page_text(client, row)
    assert "Withdrawn. The service will not act on it." in text
    assert not soup.find("a", href=f"/service-referrals/{row.id}/withdraw")


def test_a_family_with_no_key_worker_is_told_so_plainly(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    family = make_user(db_session, ["family"], name="Robin Parent")
    client = app.test_client()
    sign_in(client, family)
    record = new_record(client)
    complete_record(client, record)
    row = send(client, db_session, record, SERVICE)
    assert db_session.get(FamilyRecord, row.record_id).key_worker_id is None
    _, text = page_text(client, row)
    assert "You do not have a key worker yet." in text


def test_the_familys_timeline_has_no_codes_and_no_staff_names_they_have_not_met(world, app, db_session):
    client, row = world["client"], world["row"]
    lead_does(db_session, world["lead"], row, "acknowledge")
    lead_does(db_session, world["lead"], row, "decline", reason="not_eligible", text="Our service is for under 5s")
    soup, text = page_text(client, row)
    timeline = text_of(soup.select_one(".app-timeline"))
    assert "Could not take the referral: they said your child is not eligible for their service" in timeline
    assert "Our service is for under 5s" in timeline
    assert LEAD_NAME not in text and world["lead"].email not in text
    for code in [*STATUSES, *DECLINE_REASONS]:
        if "_" in code:
            assert code not in text, code
    # The key worker sees who did it.
    key_worker = app.test_client()
    sign_in(key_worker, world["key_worker"])
    _, staff_text = page_text(key_worker, row)
    assert LEAD_NAME in staff_text and "Declined the referral: not eligible" in staff_text


def test_another_family_gets_404(world, app, db_session):
    row = world["row"]
    stranger = make_user(db_session, ["family"], name="Other Family")
    client = app.test_client()
    sign_in(client, stranger)
    assert client.get(f"/service-referrals/{row.id}").status_code == 404
    assert client.get(f"/service-referrals/{row.id}/withdraw").status_code == 404
    assert client.post(f"/service-referrals/{row.id}/withdraw",
                       data={"version": "1", "text": "not mine"}).status_code == 404
    db_session.refresh(row)
    assert row.status == "sent"


def test_the_key_worker_records_the_answer_of_a_service_that_does_not_reply_here(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    key_worker = make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])
    client = app.test_client()
    sign_in(client, key_worker)
    record = new_record(client)
    complete_record(client, record)
    row = send(client, db_session, record, "autism-family-support")  # a referral address, no lead
    assert row.replies_here is False
    soup, text = page_text(client, row)
    assert "Sent by email; this service does not reply here" in text
    assert "What was shared with" in text and "A parent or carer with parental responsibility" in text
    links = {a["href"] for a in soup.find_all("a", href=True)}
    assert f"/service-referrals/{row.id}/wait_list" in links and f"/service-referrals/{row.id}/decline" in links
    assert post_action(client, row, "wait_list", db_session, weeks="3").status_code == 302
    db_session.refresh(row)
    assert row.status == "waiting_list" and row.wait_weeks == 3
    _, text = page_text(client, row)
    assert "On the waiting list. They expect to see the child in about 3 weeks." in text
    assert "recorded by Kim Keyworker" in text


def test_the_record_lists_each_referral_with_its_status_in_words_linking_to_its_page(world, app, db_session):
    client, row, record = world["client"], world["row"], world["record"]
    page = client.get(f"/families/{record}")
    item = page.soup.select_one(".app-referral-statuses li")
    assert item.find("a", href=f"/service-referrals/{row.id}")
    assert text_of(item.select_one(".govuk-tag")) == "Sent"
    assert "Sent. The service has not replied yet." in text_of(item)
    assert "Where are my referrals?" in text_of(page.soup)
    assert not page.soup.find("a", href=f"/families/{record}/close")  # closing is the key worker's
    assert client.get(f"/service-referrals/{row.id}").soup.find(
        "a", href=f"/service-referrals/{row.id}/withdraw-consent")
    lead_does(db_session, world["lead"], row, "ask", text="Which school?")
    key_worker = app.test_client()
    sign_in(key_worker, world["key_worker"])
    records = key_worker.get("/families")
    assert "A question needs an answer" in text_of(records.soup)
    page = key_worker.get(f"/families/{record}")
    warning = page.soup.select_one(".govuk-warning-text")
    assert "asked a question that needs an answer" in text_of(warning)
    assert warning.find("a", href=f"/service-referrals/{row.id}#question")
    assert text_of(page.soup.select_one(".app-referral-statuses .govuk-tag")) == "Information requested"
    assert page.soup.find("a", href=f"/families/{record}/close")
    assert key_worker.get(f"/service-referrals/{row.id}").soup.find(
        "a", href=f"/service-referrals/{row.id}/withdraw-consent")


def test_the_status_says_why_a_referral_was_declined_or_closed_in_each_readers_words():
    assert words.family_status("declined", outcome="outside_area") == (
        "The service cannot take this referral: they do not cover the area where you live.")
    assert words.family_status("declined", outcome="outside_area", reader="key_worker") == (
        "The service cannot take this referral: outside the area.")
    assert words.family_status("closed", outcome="seen_and_supported") == (
        "Finished: your child was seen and supported.")
    assert words.family_status("waiting_list", 6, reader="key_worker") == (
        "On the waiting list. They expect to see the child in about 6 weeks.")
    assert "your key worker" not in words.family_next_step("declined", reader="key_worker")
