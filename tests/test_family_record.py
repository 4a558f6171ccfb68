"""The family record, written once: each section's validation, saving as you go, and resuming."""

import pytest
from sqlmodel import select

from directory.models import AuditEntry, FamilySection
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import CHILD, PEOPLE, STORY, complete_record, new_record


@pytest.fixture
def client(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["key_worker"], districts=["east-staffordshire"]))
    return client


def errors(response) -> str:
    return text_of(response.soup.select_one(".govuk-error-summary"))


def test_child_section_validation(client):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={"date_of_birth": ["31", "2", "2017"],
                                                             "postcode": "XX", "nhs_number": "123"})
    summary = errors(response)
    for message in ("Enter your child's first name", "Date of birth must be a real date", "Enter a real postcode",
                    "NHS number must be 10 digits", "Select whether your child has an EHC plan",
                    "Select yes if your child is looked after by the council"):
        assert message in summary
    assert response.soup.title.get_text().startswith("Error: About your child")
    future = client.post(f"/families/{record}/child", data={**CHILD, "date_of_birth": ["1", "1", "2099"]})
    assert "Date of birth must be in the past" in errors(future)
    bad_nhs = client.post(f"/families/{record}/child", data={**CHILD, "nhs_number": "943 476 5918"})
    assert "Enter a real NHS number" in errors(bad_nhs)
    good_nhs = client.post(f"/families/{record}/child", data={**CHILD, "nhs_number": "9434765919"})
    assert good_nhs.status_code == 302


def test_people_section_needs_a_way_to_make_contact(client):
    record = new_record(client)
    response = client.post(f"/families/{record}/people", data={**PEOPLE, "carer_phone": "", "carer_email": "",
                                                              "contact_method": "phone"})
    assert "Enter a phone number or an email address" in errors(response)
    assert "Enter a phone number to be contacted by phone or text" in errors(response)


def test_needs_section(client):
    record = new_record(client)
    response = client.post(f"/families/{record}/needs", data={"diagnoses": ["autism"]})
    assert "Select at least one area your child needs help with" in errors(response)
    assert "Enter who made the diagnosis" in errors(response)
    unknown = client.post(f"/families/{record}/needs", data={"needs": ["WIZARD"]})
    assert "Select the areas your child needs help with from the list" in errors(unknown)


def test_the_childs_voice_is_asked_for(client):
    record = new_record(client)
    response = client.post(f"/families/{record}/story", data={**STORY, "child_views": ""})
    assert "Enter your child's views, or tell us why you could not ask them" in errors(response)
    reason = client.post(f"/families/{record}/story", data={**STORY, "child_views": "",
                                                           "child_views_not_given_reason": "Sam is 2 and non-verbal"})
    assert reason.status_code == 302


def test_valid_answers_are_kept_when_others_have_errors_and_the_record_resumes(client, db_session):
    record = new_record(client)
    client.post(f"/families/{record}/child", data={**CHILD, "postcode": "not a postcode"})
    section = db_session.exec(select(FamilySection).where(FamilySection.section == "child")).one()
    assert section.data["first_name"] == "Sam" and "postcode" not in section.data
    assert section.completed is False
    # Coming back later (a new page load) shows what was saved.
    resumed = client.get(f"/families/{record}/child")
    assert resumed.soup.find("input", id="first_name")["value"] == "Sam"
    assert resumed.soup.find("input", id="date_of_birth-year")["value"] == "2017"
    task_list = text_of(client.get(f"/families/{record}").soup)
    assert "In progress" in task_list and "Not started" in task_list


def test_a_straddling_postcode_asks_which_area(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "postcode": "ST3 4AA"})
    assert "Select which area you live in" in errors(response)
    assert [r["value"] for r in response.soup.select("input[name=district]")] == [
        "stafford", "staffordshire-moorlands", "stoke-on-trent"]
    chosen = client.post(f"/families/{record}/child", data={**CHILD, "postcode": "ST3 4AA",
                                                           "district": "staffordshire-moorlands"})
    assert chosen.status_code == 302
    section = db_session.exec(select(FamilySection).where(FamilySection.section == "child")).one()
    assert section.data["district"] == "staffordshire-moorlands"


def test_completed_record_and_every_view_and_change_is_audited(client, db_session):
    record = new_record(client)
    complete_record(client, record)
    assert text_of(client.get(f"/families/{record}").soup).count("Completed") == 5
    actions = [(e.action, e.detail.get("section")) for e in db_session.exec(
        select(AuditEntry).where(AuditEntry.object_type == "family_record").order_by(AuditEntry.at))]
    assert ("create", None) in actions and ("update", "child") in actions and ("view", None) in actions
    # The child section's update (the record's sections are updated in one order, but rows come back in any).
    update = next(e for e in db_session.exec(select(AuditEntry).where(AuditEntry.action == "update"))
                  if e.detail.get("section") == "child")
    assert "first_name" in update.detail["fields"]
    # Field names only: no values in the log.
    assert "Sam" not in str([e.detail for e in db_session.exec(select(AuditEntry))])
