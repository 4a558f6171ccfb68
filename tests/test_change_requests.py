"""Change requests: a lead's section edit waits for an admin; approving writes it through the one writer (the
public page and search together), rejecting tells the lead why; stale requests and two admins at once."""


import pytest
from sqlmodel import Session, func, select

from directory.listings import change_requests, writer
from directory.listings.change_requests import Changed, NotAllowed, Refused
from directory.models import ListingRevision, OutboxMessage, Service
from directory.models.listings import ChangeRequest
from tests.helpers.concurrency import race_two
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

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

    results = race_two(deciding(admins[0], True), deciding(admins[1], False))
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], Changed), results
    with Session(engine) as session:
        row = session.get(ChangeRequest, request.id)
        assert row.status == winners[0] and row.version == 2
        assert count(session, ListingRevision) == revisions_before + (1 if winners[0] == "approved" else 0)
        assert len(outbox(session, "change_request_decided")) == 1


# --- the pages ---------------------------------------------------------------------------------------------------

@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def pending_requests(db_session) -> list[ChangeRequest]:
    db_session.expire_all()
    return db_session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")).all()


def test_a_lead_edits_a_section_which_waits_for_approval_and_changes_nothing_public(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    early_help = service(db_session)
    sign_in(client, lead)
    page = client.get(f"/your-services/{early_help.id}")
    assert page.soup.find("a", href=f"/your-services/{early_help.id}/edit/about")
    form = client.get(f"/your-services/{early_help.id}/edit/about")
    assert form.status_code == 200 and form.soup.find("input", {"name": "name"})["value"] == early_help.name
    entry = writer.service_entry(db_session, early_help.id)
    sent = client.post(f"/your-services/{early_help.id}/edit/about",
                       data={"name": entry["name"], "summary": entry["summary"], "description": NEW_DESCRIPTION,
                             "url": entry.get("url", ""), "email": entry.get("email", "")}, follow_redirects=True)
    assert "Sent for approval" in text_of(sent.soup) and "not public until an admin approves it" in text_of(sent.soup)
    assert "Waiting for approval" in text_of(sent.soup)
    [request] = pending_requests(db_session)
    assert request.changes == {"description": NEW_DESCRIPTION} and request.section == "about"
    assert NEW_DESCRIPTION not in client.get(f"/services/{early_help.slug}").get_data(as_text=True)


def test_each_section_form_shows_and_refuses_bad_input(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    early_help = service(db_session)
    sign_in(client, lead)
    for section in ("about", "who_for", "how_to_refer", "contacts", "opening_times", "costs"):
        assert client.get(f"/your-services/{early_help.id}/edit/{section}").status_code == 200, section
    bad = [("about", {"name": "", "summary": "short", "description": "x"}, "Enter the name of the service"),
           ("who_for", {"min_age": "ten", "areas": "atlantis"}, "whole number of years"),
           ("who_for", {"min_age": "12", "max_age": "5", "areas": "stafford", "categories": "health"},
            "oldest age must be the same as or more"),
           ("contacts", {"phone_1": "call us"}, "Enter a phone number"),
           ("costs", {"amount_1": "5"}, "Enter what cost 1 is for"),
           ("costs", {"option_1": "A session", "amount_1": "lots"}, "Enter the amount in pounds"),
           ("how_to_refer", {"referral_method": "carrier-pigeon", "how_to_refer": "Ask"}, "Not a valid choice")]
    for section, data, message in bad:
        page = client.post(f"/your-services/{early_help.id}/edit/{section}", data=data)
        assert page.status_code == 200 and message in text_of(page.soup), (section, text_of(page.soup)[:600])
        assert page.soup.title.get_text().startswith("Error:")
    assert pending_requests(db_session) == []
    # Nothing changed at all: refused with a message, not queued.
    page = client.post(f"/your-services/{early_help.id}/edit/opening_times",
                       data={"opening_hours": writer.service_entry(db_session, early_help.id).get("opening_hours")
                             or ""})
    assert "You have not changed anything" in text_of(page.soup) and pending_requests(db_session) == []


def test_a_lead_cannot_edit_another_service_or_a_made_up_section(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    other = service(db_session, OTHER)
    sign_in(client, lead)
    assert client.get(f"/your-services/{other.id}/edit/about").status_code == 404
    assert client.post(f"/your-services/{other.id}/edit/costs",
                       data={"option_1": "Free", "amount_1": "0"}).status_code == 404
    assert client.get(f"/your-services/{service(db_session).id}/edit/secrets").status_code == 404
    assert pending_requests(db_session) == []
    assert client.get("/admin/change-requests").status_code == 403


def test_an_admin_sees_the_diff_approves_and_it_is_public_and_found_by_search(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP], name="Lena Lead")
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    old_summary = writer.service_entry(db_session, early_help.id)["summary"]
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "about",
                                             {"summary": "Family help, now with a zebracrossing club."})
    sign_in(client, admin)
    queue_page = client.get("/admin/change-requests")
    assert queue_page.soup.find("a", href=f"/admin/change-requests/{request.id}")
    assert "Lena Lead" in text_of(queue_page.soup)
    page = client.get(f"/admin/change-requests/{request.id}")
    diff = text_of(page.soup.select_one("#differences"))
    assert "Summary" in diff and old_summary in diff and "zebracrossing club" in diff
    assert "Lena Lead" in text_of(page.soup)
    assert "Early Help family support" not in client.get("/search?q=zebracrossing").get_data(as_text=True)
    done = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "approve"},
                       follow_redirects=True)
    assert "Change approved" in text_of(done.soup)
    assert "zebracrossing club" in client.get(f"/services/{early_help.slug}").get_data(as_text=True)
    assert "Early Help family support" in client.get("/search?q=zebracrossing").get_data(as_text=True)
    # Deciding again on the old page is refused: someone (here, the same admin) already did.
    again = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "reject",
                                                                      "reason": "No"})
    assert "has changed since you opened it" in text_of(again.soup)
    db_session.expire_all()
    assert db_session.get(ChangeRequest, request.id).status == "approved"


def test_an_admin_rejects_with_a_reason_which_the_lead_is_emailed(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "opening_times",
                                             {"opening_hours": "Every day, 9am to 9pm"})
    sign_in(client, admin)
    page = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "reject"})
    assert "Enter the reason you are rejecting this change" in text_of(page.soup)
    client.post(f"/admin/change-requests/{request.id}",
                data={"version": "1", "decision": "reject", "reason": "We are not open at weekends"})
    db_session.expire_all()
    assert db_session.get(ChangeRequest, request.id).status == "rejected"
    [email] = [m for m in outbox(db_session, "change_request_decided") if m.to_address == lead.email]
    assert "We are not open at weekends" in email.body_text
    assert writer.service_entry(db_session, early_help.id).get("opening_hours") != "Every day, 9am to 9pm"


def test_a_stale_request_is_refused_on_the_page(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "about",
                                             {"summary": "A summary the lead wanted"})
    writer.update_service(db_session, early_help.id, {"summary": "A summary someone else wrote"}, source="import")
    db_session.commit()
    sign_in(client, admin)
    page = client.get(f"/admin/change-requests/{request.id}")
    assert "summary changed" in text_of(page.soup)
    page = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "approve"})
    assert "cannot be approved because the listing's summary has changed" in text_of(page.soup)
    assert writer.service_entry(db_session, early_help.id)["summary"] == "A summary someone else wrote"


def test_history_shows_each_version_and_restores_one_as_a_new_change(client, db_session):
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    original = writer.service_entry(db_session, early_help.id)["summary"]
    writer.update_service(db_session, early_help.id, {"summary": "A summary that was a mistake"}, source="import",
                          reason="Monthly import")
    db_session.commit()
    latest = writer.latest_revision(db_session, early_help.id)
    # Then the lead publishes today's waiting time (version latest + 1): restoring an older version keeps it.
    writer.update_service(db_session, early_help.id, {"waiting_time": {"weeks": 3, "updated": "2026-12-01"}},
                          source="lead")
    db_session.commit()
    latest_but_wait, latest = latest, latest + 1
    sign_in(client, admin)
    page = client.get(f"/admin/services/{early_help.id}/history")
    assert page.soup.find("a", href=f"/admin/services/{early_help.id}/history/{latest}")
    assert "Monthly import" in text_of(page.soup)
    one = client.get(f"/admin/services/{early_help.id}/history/{latest_but_wait}")
    diff = text_of(one.soup.select_one("#differences"))
    assert "Summary" in diff and original in diff and "A summary that was a mistake" in diff
    done = client.post(f"/admin/services/{early_help.id}/history/{latest - 2}", follow_redirects=True)
    assert f"Version {latest - 2} restored as version {latest + 1}" in text_of(done.soup)
    db_session.expire_all()
    assert writer.service_entry(db_session, early_help.id)["summary"] == original
    assert writer.service_entry(db_session, early_help.id)["waiting_time"]["weeks"] == 3
    newest = writer.revisions(db_session, early_help.id)[0]
    assert (newest.number, newest.source, newest.user_id) == (latest + 1, "restore", admin.id)
    assert original in client.get(f"/services/{early_help.slug}").get_data(as_text=True)
    # Restoring it again would change nothing: refused, nothing written.
    again = client.post(f"/admin/services/{early_help.id}/history/{latest - 2}")
    assert "Nothing would change" in text_of(again.soup)
    assert writer.latest_revision(db_session, early_help.id) == latest + 1
    assert client.get(f"/admin/services/{early_help.id}/history/999").status_code == 404


def test_an_eligibility_change_is_shown_as_the_rule_in_plain_english_on_both_sides(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    rule = {"field": "ehcp", "op": "eq", "value": "in_place", "message": "Only for children with an EHC plan."}
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "eligibility",
                                             {"eligibility": rule})
    sign_in(client, admin)
    diff = client.get(f"/admin/change-requests/{request.id}").soup.select_one("#differences")
    cells = diff.select("tbody td")
    assert len(cells) == 2 and "{" not in cells[1].get_text() and "EHC" in cells[1].get_text()


def test_who_it_is_for_is_shown_by_name_not_code(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    admin = make_user(db_session, ["admin"])
    early_help = service(db_session)
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, early_help.id, "who_for",
                                             {"areas": ["cannock-chase"]})
    sign_in(client, admin)
    after = client.get(f"/admin/change-requests/{request.id}").soup.select("#differences tbody td")[1].get_text()
    assert "Cannock Chase" in after and "cannock-chase" not in after


def test_contacts_and_costs_are_sent_as_rows_and_rows_beyond_the_form_are_kept(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    early_help = service(db_session)
    many = [{"number": f"01785 00000{n}", "description": f"Line {n}"} for n in range(1, 5)]
    writer.update_service(db_session, early_help.id, {"phones": many}, source="import")
    db_session.commit()
    sign_in(client, lead)
    page = client.get(f"/your-services/{early_help.id}/edit/contacts")
    assert "Only the first 3 of each are shown here" in text_of(page.soup)
    client.post(f"/your-services/{early_help.id}/edit/contacts",
                data={"phone_1": "01785 111222", "phone_description_1": "Advice line", "phone_2": "01785 000002",
                      "phone_description_2": "Line 2", "contact_1": "Sam Smith", "contact_title_1": "Manager"})
    client.post(f"/your-services/{early_help.id}/edit/costs",
                data={"option_1": "One session", "amount_1": "£12.50", "amount_description_1": "per hour"})
    by_section = {r.section: r.changes for r in pending_requests(db_session)}
    assert by_section["contacts"] == {
        "phones": [{"number": "01785 111222", "description": "Advice line"},
                   {"number": "01785 000002", "description": "Line 2"}, many[3]],
        "contacts": [{"name": "Sam Smith", "title": "Manager"}]}
    assert by_section["costs"] == {"costs": [{"option": "One session", "amount": 12.5,
                                              "amount_description": "per hour"}]}
