"""A service lead's own listings: the four fields published at once, "Still correct", "Your services", and no
other service's listing (on SQLite and PostgreSQL)."""

from datetime import date

import pytest
from sqlmodel import select

from directory.listings import quick_edits, writer
from directory.listings.writer import ListingError
from directory.models import AuditEntry, ChangeRequest, ProblemReport, Service
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.referrals import AUTISM, EARLY_HELP, sent_referral


def service(db_session, slug=EARLY_HELP) -> Service:
    return db_session.exec(select(Service).where(Service.slug == slug)).one()


@pytest.fixture
def lead(db_session):
    return make_user(db_session, ["service_lead"], services=[EARLY_HELP])


@pytest.fixture
def signed_in(app, client, lead):
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, lead)
    return client


def public_text(client, slug=EARLY_HELP) -> str:
    return text_of(client.get(f"/services/{slug}").soup)


# --- the operations ------------------------------------------------------------------------------------------

def test_each_field_publishes_at_once_with_a_lead_revision_and_an_audit_entry(db_session, lead):
    early_help = service(db_session)
    before = writer.directory_revision(db_session)
    today = date(2026, 11, 30)
    revision = quick_edits.set_waiting_time(db_session, lead.id, early_help.id, 9, today=today)
    assert (revision.source, revision.user_id, revision.changed_fields) == ("lead", lead.id, ["waiting_time"])
    assert writer.directory_revision(db_session) == before + 1
    quick_edits.set_accepting(db_session, lead.id, early_help.id, False)
    quick_edits.set_response_target(db_session, lead.id, early_help.id, 15)
    quick_edits.set_referral_email(db_session, lead.id, early_help.id, "new-referrals@example.org")
    db_session.expire_all()
    row = db_session.get(Service, early_help.id)
    assert (row.wait_weeks, row.wait_updated, row.accepting_referrals, row.response_target_days,
            row.referral_email) == (9, today, False, 15, "new-referrals@example.org")
    assert writer.directory_revision(db_session) == before + 4
    sources = [r.source for r in writer.revisions(db_session, early_help.id)[:4]]
    assert sources == ["lead"] * 4
    audited = db_session.exec(select(AuditEntry).where(AuditEntry.object_id == early_help.id,
                                                       AuditEntry.action == "listing_published")).all()
    assert len(audited) == 4 and all(entry.user_id == lead.id for entry in audited)


def test_the_referral_email_can_be_removed(db_session, lead):
    early_help = service(db_session)
    assert db_session.get(Service, early_help.id).referral_email  # the test databases give it one
    revision = quick_edits.set_referral_email(db_session, lead.id, early_help.id, "  ")
    assert revision is not None and revision.changed_fields == ["referral_email"]
    db_session.expire_all()
    assert db_session.get(Service, early_help.id).referral_email is None


def test_the_same_value_again_writes_no_revision(db_session, lead):
    early_help = service(db_session)
    quick_edits.set_response_target(db_session, lead.id, early_help.id, 12)
    number = writer.latest_revision(db_session, early_help.id)
    assert quick_edits.set_response_target(db_session, lead.id, early_help.id, 12) is None
    assert writer.latest_revision(db_session, early_help.id) == number


@pytest.mark.parametrize("call", [
    lambda s, u, i: quick_edits.set_waiting_time(s, u, i, 261),
    lambda s, u, i: quick_edits.set_waiting_time(s, u, i, -1),
    lambda s, u, i: quick_edits.set_response_target(s, u, i, 0),
    lambda s, u, i: quick_edits.set_response_target(s, u, i, 61),
    lambda s, u, i: quick_edits.set_referral_email(s, u, i, "not an address"),
])
def test_bad_values_are_refused_and_change_nothing(db_session, lead, call):
    early_help = service(db_session)
    number = writer.latest_revision(db_session, early_help.id)
    with pytest.raises(ListingError):
        call(db_session, lead.id, early_help.id)
    assert writer.latest_revision(db_session, early_help.id) == number


def test_a_lead_changes_only_their_own_services(db_session, lead):
    autism = service(db_session, AUTISM)
    number = writer.latest_revision(db_session, autism.id)
    with pytest.raises(quick_edits.NotYourService):
        quick_edits.set_waiting_time(db_session, lead.id, autism.id, 3)
    with pytest.raises(quick_edits.NotYourService):
        quick_edits.confirm(db_session, lead.id, autism.id)
    # A member of the service without the lead role is not a lead either.
    key_worker = make_user(db_session, ["key_worker"], services=[AUTISM])
    with pytest.raises(quick_edits.NotYourService):
        quick_edits.set_accepting(db_session, key_worker.id, autism.id, False)
    assert writer.latest_revision(db_session, autism.id) == number


def test_still_correct_sets_today_with_a_confirm_revision(db_session, lead):
    early_help = service(db_session)
    revision = quick_edits.confirm(db_session, lead.id, early_help.id, today=date(2026, 12, 1))
    assert (revision.source, revision.changed_fields) == ("confirm", ["assured_date"])
    db_session.expire_all()
    assert db_session.get(Service, early_help.id).assured_date == date(2026, 12, 1)


def test_your_services_counts_referrals_changes_and_problems(db_session, lead):
    early_help = service(db_session)
    sent_referral(db_session, EARLY_HELP)
    db_session.add(ChangeRequest(service_id=early_help.id, section="about", base_revision=1,
                                 changes={"summary": "x"}, before={"summary": "y"}, requested_by_id=lead.id))
    db_session.add(ChangeRequest(service_id=early_help.id, section="about", base_revision=1, status="rejected",
                                 changes={"summary": "x"}, before={"summary": "y"}, requested_by_id=lead.id))
    db_session.add(ProblemReport(service_id=early_help.id, what="The phone number is wrong"))
    db_session.add(ProblemReport(service_id=early_help.id, what="Fixed", status="resolved"))
    db_session.commit()
    [summary] = quick_edits.your_services(db_session, lead.id)
    assert summary.service.id == early_help.id
    assert summary.referrals == {"sent": 1}
    assert (summary.pending_changes, summary.open_problems) == (1, 1)


# --- the pages -----------------------------------------------------------------------------------------------

def test_your_services_page_lists_the_leads_services_and_says_when_out_of_date(db_session, signed_in):
    early_help = service(db_session)
    writer.update_service(db_session, early_help.id, {"assured_date": "2020-01-01"}, source="import")
    db_session.commit()
    page = signed_in.get("/your-services")
    assert page.status_code == 200
    text = text_of(page.soup)
    assert early_help.name in text and "1 January 2020" in text and "May be out of date" in text
    assert AUTISM not in page.get_data(as_text=True)
    db_session.add(ProblemReport(service_id=early_help.id, what="The phone number is wrong"))
    db_session.commit()
    page = signed_in.get("/your-services")
    assert page.soup.find("a", href="/your-services/problem-reports").get_text(strip=True) == "1 open"
    assert page.soup.find("a", href=f"/your-services/{early_help.id}")


def test_the_waiting_time_is_public_at_once(db_session, signed_in):
    early_help = service(db_session)
    before = writer.directory_revision(db_session)
    page = signed_in.get(f"/your-services/{early_help.id}/waiting-time")
    assert page.status_code == 200 and page.soup.find("input", {"name": "weeks"})
    response = signed_in.post(f"/your-services/{early_help.id}/waiting-time", data={"weeks": "37"},
                              follow_redirects=True)
    assert response.request.path == f"/your-services/{early_help.id}"
    assert "Waiting time published. Families can see the change now." in text_of(response.soup)
    assert "About 9 months (37 weeks)" in public_text(signed_in) or "37 weeks" in public_text(signed_in)
    assert writer.revisions(db_session, early_help.id)[0].source == "lead"
    assert writer.directory_revision(db_session) == before + 1


def test_accepting_response_target_and_referral_email_forms(db_session, signed_in):
    early_help = service(db_session)
    base = f"/your-services/{early_help.id}"
    assert signed_in.post(f"{base}/accepting", data={"accepting": "no"}).status_code == 302
    assert "This service is not taking new referrals at the moment." in public_text(signed_in)
    assert signed_in.post(f"{base}/response-target", data={"days": "20"}).status_code == 302
    assert signed_in.post(f"{base}/referral-email", data={"email": "team@example.org"}).status_code == 302
    db_session.expire_all()
    row = db_session.get(Service, early_help.id)
    assert (row.accepting_referrals, row.response_target_days, row.referral_email) == (False, 20,
                                                                                       "team@example.org")
    page = signed_in.get(base)
    text = text_of(page.soup)
    assert "20 working days" in text and "team@example.org" in text and "No" in text


@pytest.mark.parametrize("path, data, message", [
    ("waiting-time", {"weeks": ""}, "Enter the waiting time in weeks"),
    ("waiting-time", {"weeks": "lots"}, "The waiting time must be a whole number of weeks, like 18"),
    ("waiting-time", {"weeks": "300"}, "The waiting time must be between 0 and 260 weeks"),
    ("accepting", {}, "Select yes if the service is taking new referrals"),
    ("accepting", {"accepting": "maybe"}, "Select yes if the service is taking new referrals"),
    ("response-target", {"days": "0"}, "The response target must be between 1 and 60 working days"),
    ("response-target", {"days": "1.5"}, "The response target must be a whole number of working days, like 10"),
    ("referral-email", {"email": "nobody"}, "Enter an email address in the correct format"),
])
def test_bad_input_shows_a_govuk_error_and_changes_nothing(db_session, signed_in, path, data, message):
    early_help = service(db_session)
    number = writer.latest_revision(db_session, early_help.id)
    response = signed_in.post(f"/your-services/{early_help.id}/{path}", data=data)
    assert response.status_code == 200
    assert response.soup.title.get_text().strip().startswith("Error: ")
    summary = response.soup.find(class_="govuk-error-summary")
    assert summary is not None and message in text_of(summary)
    assert writer.latest_revision(db_session, early_help.id) == number


def test_another_services_pages_are_not_found_by_url(db_session, signed_in):
    autism = service(db_session, AUTISM)
    number = writer.latest_revision(db_session, autism.id)
    base = f"/your-services/{autism.id}"
    assert signed_in.get(base).status_code == 404
    for path, data in [("waiting-time", {"weeks": "1"}), ("accepting", {"accepting": "no"}),
                       ("response-target", {"days": "5"}), ("referral-email", {"email": "x@example.org"}),
                       ("still-correct", {})]:
        assert signed_in.get(f"{base}/{path}").status_code in (404, 405)
        assert signed_in.post(f"{base}/{path}", data=data).status_code == 404
    assert signed_in.get("/your-services/00000000-0000-0000-0000-000000000000").status_code == 404
    assert writer.latest_revision(db_session, autism.id) == number


def test_people_who_are_not_leads_are_refused(app, db_session, client):
    app.config["WTF_CSRF_ENABLED"] = False
    early_help = service(db_session)
    assert client.get("/your-services").status_code == 302  # to sign in
    key_worker = make_user(db_session, ["key_worker"], services=[EARLY_HELP])
    sign_in(client, key_worker)
    assert client.get("/your-services").status_code == 403
    assert client.post(f"/your-services/{early_help.id}/still-correct").status_code == 403


def test_still_correct_marks_it_checked_today_on_the_public_page(db_session, signed_in):
    early_help = service(db_session)
    writer.update_service(db_session, early_help.id, {"assured_date": "2020-01-01"}, source="import")
    db_session.commit()
    text = public_text(signed_in)
    assert "Last checked on 1 January 2020" in text and "may be out of date" in text
    response = signed_in.post(f"/your-services/{early_help.id}/still-correct", follow_redirects=True)
    assert "is marked as checked today" in text_of(response.soup)
    today = quick_edits.today_in_england()
    assert writer.revisions(db_session, early_help.id)[0].source == "confirm"
    text = public_text(signed_in)
    assert f"Last checked on {today.day} {today:%B %Y}" in text and "may be out of date" not in text


def test_the_service_page_leaves_a_place_for_the_section_forms(db_session, signed_in):
    early_help = service(db_session)
    page = signed_in.get(f"/your-services/{early_help.id}")
    assert page.status_code == 200
    text = text_of(page.soup)
    assert "Published straight away" in text and "Still correct" in text
