"""What a service reads is plain English: words not codes, the referral as sent, what changed since (who, when),
and the child's GP and other professionals, shared only with the services that ask for them."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from directory.models import FamilySection, Service, ServiceReferral
from directory.referrals import fields, readable
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import PEOPLE, PROFESSIONALS, STORY, complete_record, new_record
from tests.test_referrals import choose, service_id

GP = ["professionals.gp_name", "professionals.gp_surgery", "professionals.gp_phone", "professionals.others"]


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])


@pytest.fixture
def client(app, db_session, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, key_worker)
    return client


def needs_fields(db_session, slug: str, keys: list[str]) -> Service:
    service = db_session.exec(select(Service).where(Service.slug == slug)).one()
    service.data_needed = keys
    db_session.commit()
    return service


def send(client, db_session, record: str, slugs: list[str]) -> None:
    key = choose(client, record, slugs, db_session)
    assert client.post(f"/families/{record}/check-answers", data={"idempotency_key": key}).status_code == 302


def lead_page(app, db_session, slug: str, service_referral: ServiceReferral):
    lead = make_user(db_session, ["service_lead"], name="Lee Lead", services=[slug])
    client = app.test_client()
    sign_in(client, lead)
    return client.get(f"/service-referrals/{service_referral.id}").soup


def summary(soup, title: str | None = None) -> dict[str, str]:
    """{key: value} of the referral as sent (the page's first summary list where there is no such list), or of the
    summary card with this title."""
    if title is None:
        rows = soup.select_one("#as-sent") or soup.select_one(".govuk-summary-list")
    else:
        card = next(c for c in soup.select(".govuk-summary-card")
                    if text_of(c.select_one(".govuk-summary-card__title")) == title)
        rows = card.select_one(".govuk-summary-list")
    return {text_of(row.select_one(".govuk-summary-list__key")): text_of(row.select_one(".govuk-summary-list__value"))
            for row in rows.select(".govuk-summary-list__row")}


def today() -> str:
    now = datetime.now(UTC)
    return f"{now.day} {now:%B %Y}"


def test_a_service_reads_words_not_codes(app, client, db_session):
    needs_fields(db_session, "early-help-family-support", [
        "child.first_name", "child.date_of_birth", "child.district", "child.school_year", "child.ehcp",
        "child.looked_after", "people.parental_responsibility", "people.contact_method", "people.interpreter",
        "people.access_needs", "needs.needs", "needs.suspected"])
    record = new_record(client)
    complete_record(client, record, child={"ehcp": "in_place"}, needs={"needs": ["SLCN", "SEMH"]})
    send(client, db_session, record, ["early-help-family-support"])
    page = lead_page(app, db_session, "early-help-family-support", db_session.exec(select(ServiceReferral)).one())
    sent = summary(page)
    assert sent["Date of birth"] == "14 May 2017"
    assert sent["School year"] == "Year 4"
    assert sent["Area (district)"] == "East Staffordshire"
    assert sent["Education, health and care (EHC) plan"] == "The child has an education, health and care (EHC) plan"
    assert sent["Looked after by the council"] == "The child is not looked after by the council"
    assert sent["Has parental responsibility"] == "They have parental responsibility"
    assert sent["Needs an interpreter"] == "They do not need an interpreter"
    assert sent["How they prefer to be contacted"] == "Email"
    assert sent["Their own access needs"] == "I prefer things in writing"
    listed = [text_of(li) for li in page.select(".govuk-summary-list__value li")]
    assert {"Speech, language and communication needs", "Social, emotional and mental health", "Autism"} <= set(listed)
    text = text_of(page)
    for code in ("SLCN", "SEMH", "in_place", "2017-05-14", "east-staffordshire", "autism"):
        assert code not in text, code


def test_words_for_stored_values(db_session):
    names = readable.names(db_session)
    assert readable.text("child.ehcp", "requested", names) == (
        "The family has asked for an education, health and care (EHC) plan")
    assert readable.text("child.school_year", "0", names) == "Reception"
    assert readable.text("child.date_of_birth", "2022-03-14", names) == "14 March 2022"
    assert readable.text("people.access_needs", ["easy_read", "hearing"], names) == [
        "I need easy read", "I am deaf or have a hearing impairment"]
    assert readable.text("needs.diagnoses", ["adhd", "retired-code"], names)[1] == "retired-code"
    assert readable.text("people.carer_email", "", names) == "Not given"
    assert readable.text("professionals.others", [{"role": "Social worker", "organisation": "Children's services"}],
                         names) == ["Social worker: Children's services"]
    # The form's choices are the same words, from one table.
    from directory.web.referrals.forms import CONTACT_METHODS
    assert {c.value: c.label for c in CONTACT_METHODS} == fields.CONTACT_METHODS


def test_changed_since_sent_shows_old_and_new_values_with_who_and_when(app, db_session, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    family = app.test_client()
    sign_in(family, make_user(db_session, ["family"], name="Pat Parent"))
    record = new_record(family)
    complete_record(family, record)
    send(family, db_session, record, ["early-help-family-support"])
    row = db_session.exec(select(ServiceReferral)).one()
    # The family changes the phone number; the key worker allocated to them changes the areas of need.
    family.post(f"/families/{record}/people", data={**PEOPLE, "carer_phone": "07700 900999"})
    worker = app.test_client()
    sign_in(worker, key_worker)
    assert worker.post(f"/families/{record}/needs", data={"needs": ["SLCN", "SEMH"],
                                                          "suspected": ["autism"]}).status_code == 302
    # A field this service does not receive changes too: the service is not told.
    family.post(f"/families/{record}/story", data={**STORY, "good_day": "Swimming"})
    page = lead_page(app, db_session, "early-help-family-support", row)
    assert summary(page)["Phone number"] == "07700 900123"  # as sent
    phone = summary(page, "Phone number")
    assert phone == {"When sent": "07700 900123", "Now": "07700 900999",
                     "Changed by": f"Pat Parent (family), on {today()}"}
    needs = summary(page, "Areas of need")
    assert needs["When sent"] == "Speech, language and communication needs"
    assert needs["Now"] == "Speech, language and communication needs Social, emotional and mental health"
    assert needs["Changed by"] == f"Kim Keyworker (key worker), on {today()}"
    titles = [text_of(t) for t in page.select(".govuk-summary-card__title")]
    assert titles == ["Phone number", "Areas of need"]
    assert "Changed since sent" in text_of(page)


def test_professionals_section_is_validated_saved_and_listed(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/professionals", data={"other_2_contact": "01283 000000",
                                                                      "gp_phone": "0" * 31})
    summary_text = text_of(response.soup.select_one(".govuk-error-summary"))
    for message in ("Enter your child's GP surgery", "GP surgery phone number must be 30 characters or fewer",
                    "Enter professional 2's role", "Enter professional 2's name, or their organisation or team"):
        assert message in summary_text
    assert response.soup.title.get_text().startswith("Error: Professionals involved")
    saved = client.post(f"/families/{record}/professionals", data={
        **PROFESSIONALS, "other_3_role": "Social worker", "other_3_organisation": "Children's services"})
    assert saved.status_code == 302
    section = db_session.exec(select(FamilySection).where(FamilySection.section == "professionals")).one()
    assert section.completed and section.data["gp_surgery"] == "Stapenhill Surgery, Burton"
    assert section.data["others"] == [
        {"role": "Speech and language therapist", "name": "Jo Smith", "organisation": "Burton Hospitals",
         "contact": "jo.smith@example.org"},
        {"role": "Social worker", "name": "", "organisation": "Children's services", "contact": ""}]
    # Shown again, the professionals are back in their boxes (the second one moved up to the second place).
    again = client.get(f"/families/{record}/professionals").soup
    assert again.find("input", id="other_2_role")["value"] == "Social worker"
    assert again.find("input", id="gp_name")["value"] == "Dr Priya Patel"
    assert "Professionals involved" in text_of(client.get(f"/families/{record}").soup)


def test_gp_and_professionals_go_only_to_services_that_need_them(app, client, db_session):
    needs_fields(db_session, "early-help-family-support", [*fields.DEFAULT_FIELDS, *GP])
    record = new_record(client)
    complete_record(client, record)
    client.post(f"/families/{record}/services", data={"services": [
        service_id(db_session, "early-help-family-support"), service_id(db_session, "autism-family-support")]})
    consent = client.get(f"/families/{record}/consent").soup
    listed = {text_of(heading): [text_of(li) for li in heading.find_next("ul").select("li")]
              for heading in consent.select("h2.govuk-heading-m")}
    early_help = listed[db_session.exec(select(Service.name).where(Service.slug == "early-help-family-support")).one()]
    autism = listed[db_session.exec(select(Service.name).where(Service.slug == "autism-family-support")).one()]
    assert {"GP's name", "GP surgery", "GP surgery phone number", "Other professionals involved"} <= set(early_help)
    assert not {"GP's name", "GP surgery", "Other professionals involved"} & set(autism)
    send(client, db_session, record, ["early-help-family-support", "autism-family-support"])
    rows = {r.service_id: r for r in db_session.exec(select(ServiceReferral))}
    to_early_help = rows.pop(needs_fields(db_session, "early-help-family-support", [*fields.DEFAULT_FIELDS, *GP]).id)
    (to_autism,) = rows.values()
    assert to_early_help.sent_snapshot["professionals.gp_surgery"] == "Stapenhill Surgery, Burton"
    assert not set(GP) & set(to_autism.shared_fields) and not set(GP) & set(to_autism.sent_snapshot)
    sent = summary(lead_page(app, db_session, "early-help-family-support", to_early_help))
    assert sent["GP's name"] == "Dr Priya Patel"
    assert sent["Other professionals involved"] == (
        "Speech and language therapist: Jo Smith, Burton Hospitals, jo.smith@example.org")
