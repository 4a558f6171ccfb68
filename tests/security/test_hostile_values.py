"""Each hostile value found by hand gets a clear GOV.UK message (or a designed 400/404 page) and changes nothing."""

import uuid

import pytest
from sqlmodel import select

from directory.models import FamilySection, Referral, Service
from directory.referrals import access, submit
from directory.referrals import records as family_records
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import CHILD, complete_record, new_record

CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "written", "when_0": ["1", "11", "2026"]}


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], districts=["east-staffordshire"])


@pytest.fixture
def client(app, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, key_worker)
    return client


def errors(response) -> str:
    return text_of(response.soup.select_one(".govuk-error-summary"))


def child_section(db_session, record_id) -> dict:
    row = db_session.exec(select(FamilySection).where(FamilySection.record_id == uuid.UUID(record_id),
                                                      FamilySection.section == "child")).first()
    if row is None:
        return {}
    db_session.refresh(row)
    return row.data


def service_id(db_session, slug) -> str:
    return str(db_session.exec(select(Service.id).where(Service.slug == slug)).one())


# --- dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["1" * 30, "9" * 5000, "17", "20171", "-2017", "2O17"])
def test_a_year_without_4_numbers_gets_the_gov_uk_message(client, db_session, year):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "date_of_birth": ["14", "5", year]})
    assert response.status_code == 200
    message = errors(response)
    assert "Year must include 4 numbers" in message or "Date of birth must be a real date" in message
    assert "date_of_birth" not in child_section(db_session, record)


@pytest.mark.parametrize("parts", [["1" * 30, "5", "2017"], ["14", "1" * 30, "2017"], ["١٤", "٥", "٢٠١٧"],
                                   ["14", "5", "²⁰¹⁷"], ["0", "0", "0000"], ["14", " ", "2017"]])
def test_absurd_days_months_and_foreign_digits_are_not_a_real_date(client, db_session, parts):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "date_of_birth": parts})
    assert response.status_code == 200
    assert "Date of birth must be a real date" in errors(response) or "Year must include 4 numbers" in errors(response)


def test_a_30_digit_year_for_consent_gets_a_message(client, db_session):
    record = new_record(client)
    complete_record(client, record)
    early_help = service_id(db_session, "early-help-family-support")
    client.post(f"/families/{record}/services", data={"services": [early_help]})
    response = client.post(f"/families/{record}/consent", data={**CONSENT, "when_0": ["1", "1", "1" * 30]})
    assert response.status_code == 200
    assert "Year must include 4 numbers" in errors(response)


# --- the district, which only the postcode lookup may give -------------------------------------------------------


def test_a_tampered_district_is_not_saved_when_the_postcode_has_errors(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "postcode": "XX", "district": "atlantis"})
    assert response.status_code == 200 and "Enter a real postcode" in errors(response)
    assert "district" not in child_section(db_session, record)
    complete_record(client, record)
    assert client.get(f"/families/{record}").status_code == 200
    assert client.get(f"/families/{record}/services").status_code == 200


def test_a_tampered_district_is_replaced_by_the_postcodes_own(client, db_session):
    record = new_record(client)
    assert client.post(f"/families/{record}/child", data={**CHILD, "district": "atlantis"}).status_code == 302
    assert child_section(db_session, record)["district"] == "east-staffordshire"
    # Another real district that does not contain the postcode is no better.
    client.post(f"/families/{record}/child", data={**CHILD, "district": "tamworth"})
    assert child_section(db_session, record)["district"] == "east-staffordshire"


def test_a_straddling_postcode_takes_only_one_of_its_own_districts(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "postcode": "ST3 4AA", "district": "tamworth"})
    assert "Select which area you live in" in errors(response)
    assert child_section(db_session, record).get("district") is None
    # Shown again, the saved straddling postcode asks its question at once.
    again = client.get(f"/families/{record}/child")
    assert [r["value"] for r in again.soup.select("input[name=district]")] == [
        "stafford", "staffordshire-moorlands", "stoke-on-trent"]


def test_a_bad_stored_district_does_not_break_the_record_for_good(client, db_session, key_worker):
    """Saved before this fix: the record and services pages still work, and the services page asks again."""
    record = new_record(client)
    complete_record(client, record)
    family = access.get_record(db_session, key_worker.id, {"key_worker"}, uuid.UUID(record))
    family_records.save_section(db_session, key_worker.id, family, "child",
                          {"district": "atlantis", "school_year": "  "}, completed=True)
    db_session.commit()
    assert client.get(f"/families/{record}").status_code == 200
    assert client.get(f"/families/{record}/child").status_code == 200
    page = client.get(f"/families/{record}/services")
    assert page.status_code == 200
    assert page.soup.select("input[name=services]")  # services can still be chosen


def test_a_self_referral_with_an_unreadable_stored_area_gets_a_message(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    parent = make_user(db_session, ["family"])
    client = app.test_client()
    sign_in(client, parent)
    record = new_record(client)
    complete_record(client, record)
    family = access.get_record(db_session, parent.id, {"family"}, uuid.UUID(record))
    family_records.save_section(db_session, parent.id, family, "child", {"district": "atlantis"}, completed=True)
    db_session.commit()
    early_help = service_id(db_session, "early-help-family-support")
    client.post(f"/families/{record}/services", data={"services": [early_help]})
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302
    response = client.post(f"/families/{record}/check-answers", data={})
    assert response.status_code == 302
    assert "About your child" in text_of(client.get(response.headers["Location"]).soup)
    assert db_session.exec(select(Referral)).first() is None


# --- multi-selects and choices -------------------------------------------------------------------------------------


def test_blank_values_inside_a_multi_select_are_ignored(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/needs", data={"needs": ["", "SLCN", " ", "SLCN"],
                                                              "suspected": ["", "autism"]})
    assert response.status_code == 302
    needs = db_session.exec(select(FamilySection).where(FamilySection.section == "needs")).one().data
    assert needs["needs"] == ["SLCN"] and needs["suspected"] == ["autism"]
    only_blanks = client.post(f"/families/{record}/needs", data={"needs": ["", " "]})
    assert "Select at least one area your child needs help with" in errors(only_blanks)


def test_an_unknown_value_after_a_blank_one_is_still_refused(client, db_session):
    """A blank first value used to switch the check off (Optional), so the unknown code was saved and then broke
    the services page."""
    record = new_record(client)
    response = client.post(f"/families/{record}/needs", data={"needs": ["SLCN"], "diagnoses": ["", "WIZARD"],
                                                              "diagnosed_by": "Dr Who"})
    assert response.status_code == 200 and "Select diagnoses from the list" in errors(response)
    needs = db_session.exec(select(FamilySection).where(FamilySection.section == "needs")).one().data
    assert "diagnoses" not in needs
    complete_record(client, record)
    assert client.get(f"/families/{record}/services").status_code == 200


def test_a_choice_that_is_not_offered_gets_the_questions_own_message(client):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "ehcp": "forged", "school_year": "  99"})
    assert "Select whether your child has an EHC plan" in errors(response)
    assert "Select a school year from the list" in errors(response)
    blank_year = client.post(f"/families/{record}/child", data={**CHILD, "school_year": "   "})
    assert blank_year.status_code == 302


def test_the_public_checker_refuses_hostile_choices_and_ages(client):
    check = "/check-what-my-child-might-get"
    for data, message in (
        ({"age": "7", "district": "tamworth", "ehcp": "none", "needs": ["", "WIZARD"]},
         "Select the areas your child needs help with from the list"),
        ({"age": "²", "district": "tamworth", "ehcp": "none"}, "Enter your child's age as a whole number"),
        ({"age": "9" * 5000, "district": "tamworth", "ehcp": "none"}, "Enter an age from 0 to 25"),
        ({"age": "7", "district": "atlantis", "ehcp": "none"}, "Choose your area from the list"),
        ({"age": "7", "district": "tamworth", "ehcp": "forged"}, "Select whether your child has an EHC plan"),
    ):
        response = client.post(check, data=data)
        assert response.status_code == 200, data
        assert message in errors(response), data
    fine = client.post(check, data={"age": "7", "district": "tamworth", "ehcp": "none", "needs": ["", "SLCN"]})
    assert fine.soup.select_one(".govuk-error-summary") is None
    assert any(h.get_text(strip=True).startswith("Services your child may be able to get")
               for h in fine.soup.select("main h2"))


# --- the idempotency key -------------------------------------------------------------------------------------------


def _ready_to_send(client, db_session, record, slug="early-help-family-support") -> str:
    client.post(f"/families/{record}/services", data={"services": [service_id(db_session, slug)]})
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302
    return client.get(f"/families/{record}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})[
        "value"]


@pytest.mark.parametrize("key", ["k" * 5000, "../../etc/passwd", "ÀÉÎ" * 20, "0" * 31, "ABCDEF" + "0" * 26,
                                 "0" * 32 + "\n"])
def test_an_over_long_or_foreign_shaped_key_is_replaced_by_the_servers_own(client, db_session, key):
    record = new_record(client)
    complete_record(client, record)
    own_key = _ready_to_send(client, db_session, record)
    response = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    assert response.status_code == 302 and "/referrals/" in response.headers["Location"]
    assert db_session.exec(select(Referral)).one().idempotency_key == own_key


def test_someone_elses_key_never_returns_their_referral(app, client, db_session):
    # Another key worker's family and referral.
    other = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    other_client = app.test_client()
    sign_in(other_client, other)
    theirs = new_record(other_client)
    complete_record(other_client, theirs)
    their_key = _ready_to_send(other_client, db_session, theirs)
    sent = other_client.post(f"/families/{theirs}/check-answers", data={"idempotency_key": their_key})
    their_referral = sent.headers["Location"].rsplit("/", 1)[1]
    # This key worker sends their own family's referral with the other's key.
    mine = new_record(client)
    complete_record(client, mine)
    _ready_to_send(client, db_session, mine)
    response = client.post(f"/families/{mine}/check-answers", data={"idempotency_key": their_key})
    assert response.status_code == 302 and their_referral not in response.headers["Location"]
    assert "The referral could not be saved" in text_of(client.get(response.headers["Location"]).soup)
    assert db_session.exec(select(Referral).where(Referral.record_id == uuid.UUID(mine))).first() is None


def test_submit_referral_scopes_the_key_to_its_record_and_submitter(db_session, key_worker):
    other = make_user(db_session, ["key_worker"])
    service = uuid.UUID(service_id(db_session, "early-help-family-support"))
    choice = [submit.Choice(service, "parent_with_parental_responsibility", "written")]
    theirs = family_records.create_record(db_session, other.id, {"key_worker"})
    mine = family_records.create_record(db_session, key_worker.id, {"key_worker"})
    db_session.commit()
    first = submit.submit_referral(db_session, other, {"key_worker"}, theirs, choice, "a" * 32, 20)
    assert submit.submit_referral(db_session, other, {"key_worker"}, theirs, choice, "a" * 32, 20).id == first.id
    with pytest.raises(submit.ReferralError, match="could not be saved"):
        submit.submit_referral(db_session, key_worker, {"key_worker"}, mine, choice, "a" * 32, 20)
    with pytest.raises(submit.ReferralError):
        # The same person, another record: still not theirs to find.
        elsewhere = family_records.create_record(db_session, other.id, {"key_worker"})
        submit.submit_referral(db_session, other, {"key_worker"}, elsewhere, choice, "a" * 32, 20)


# --- answers that are only spaces ----------------------------------------------------------------------------------


def test_an_answer_of_only_spaces_is_no_answer(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "first_name": "   ", "postcode": " \t "})
    assert "Enter your child's first name" in errors(response) and "Enter the postcode" in errors(response)
    assert "first_name" not in child_section(db_session, record)


@pytest.mark.parametrize("path", ["/find-by-area?postcode=+++", "/find-by-area?postcode=%09%0D%0A",
                                  "/find-by-area/choose-area?postcode=+++&district=+"])
def test_a_postcode_of_only_spaces_is_asked_for_again(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    # The choose-area page sends an empty postcode back to the find-by-area page, which asks for one.
    assert response.request.path == "/find-by-area"
    assert "choose-area" in path or "Enter a postcode" in errors(response)


def test_the_checker_asks_for_an_age_of_only_spaces(client):
    response = client.post("/check-what-my-child-might-get", data={"age": "   ", "district": "tamworth",
                                                                   "ehcp": "none"})
    assert response.status_code == 200 and "Enter your child's age" in errors(response)


def test_over_long_answers_get_a_gov_uk_message_and_are_not_saved(client, db_session):
    record = new_record(client)
    response = client.post(f"/families/{record}/child", data={**CHILD, "first_name": "x" * 101,
                                                              "nhs_number": "9" * 5000, "postcode": "B" * 20_000})
    message = errors(response)
    assert "First name must be 100 characters or fewer" in message
    assert "NHS number must be 10 digits" in message and "Enter a real postcode" in message
    assert "first_name" not in child_section(db_session, record)
    story = client.post(f"/families/{record}/story", data={"what_matters": "x" * 4001, "good_day": "Calm",
                                                           "child_views": "Trains"})
    assert "What matters to us must be 4000 characters or fewer" in errors(story)
