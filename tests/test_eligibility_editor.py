"""The eligibility editor: form answers to a rule and back, the rule in plain English, "Try it" on a sample child,
validation (nothing saved), saving as a pending change request, and a lead kept to their own services."""

import json
from pathlib import Path

import pytest
from sqlmodel import func, select

from directory.listings import eligibility_editor as editor
from directory.listings import writer
from directory.models import ChangeRequest, Service
from directory.rules import RuleError, validate_rule
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

SEED = {s["id"]: s for s in json.loads(Path("seed_data/services.json").read_text())["services"]}
EXPRESSIBLE = {"staffordshire-sendiass", "ehc-needs-assessment", "district-send-support-enhanced-apdr",
               "early-years-send-and-portage", "sensory-support-hearing", "autism-and-communication-outreach",
               "autism-service-south-staffordshire", "preparing-for-adulthood-team", "camhs-south-staffordshire",
               "slt-south-east-staffordshire", "autism-family-support"}
NOT_EXPRESSIBLE = {"family-hub-tamworth", "emotional-health-and-wellbeing-service", "aiming-high-short-breaks"}
AUTISM = "autism-service-south-staffordshire"


def _parts(rule) -> list[str]:
    """A rule's conditions in a canonical order (the forms may order an "all of" differently from a file)."""
    parts = rule["all"] if set(rule) == {"all"} else [rule]
    return sorted(json.dumps({"any": sorted(map(json.dumps, p["any"]))} if "any" in p else p, sort_keys=True)
                  for p in parts)


@pytest.mark.parametrize("service_id", sorted(EXPRESSIBLE))
def test_seed_rules_the_forms_express_round_trip(service_id):
    rule = SEED[service_id]["eligibility"]
    answers = editor.answers_from_rule(rule)
    again = editor.rule_from_answers(answers)
    assert _parts(again) == _parts(rule)
    assert editor.answers_from_rule(again) == answers


@pytest.mark.parametrize("service_id", sorted(NOT_EXPRESSIBLE))
def test_rules_the_forms_cannot_express_are_refused(service_id):
    with pytest.raises(editor.NotExpressible):
        editor.answers_from_rule(SEED[service_id]["eligibility"])


def test_answers_make_the_rule_and_no_conditions_make_none():
    assert editor.rule_from_answers(editor.empty_answers()) is None
    assert editor.answers_from_rule(None) == editor.empty_answers()
    rule = editor.rule_from_answers({"ehcp": "requested_or_in_place", "not_looked_after": True,
                                     "needs": ["SEMH"], "diagnoses": ["adhd"], "for_message": "For worries"})
    assert rule == {"all": [
        {"field": "ehcp", "op": "ne", "value": "none"},
        {"field": "looked_after", "op": "is_false"},
        {"any": [{"field": "needs", "op": "has_any", "value": ["SEMH"], "message": "For worries"},
                 {"field": "diagnoses", "op": "has_any", "value": ["adhd"], "message": "For worries"}]}]}
    validate_rule(rule)


def test_answers_are_checked_with_the_imports_vocabulary(db_session):
    known = editor.vocabulary(db_session)
    good = {**editor.empty_answers(), "min_age": 5, "max_age": 18, "areas": ["tamworth"], "referrers": ["gp"],
            "needs": ["SEMH"]}
    assert editor.check_answers(good, known) == {}
    problems = editor.check_answers({**good, "min_age": 12, "max_age": 4, "areas": []}, known)
    assert problems == {"max_age": "The oldest age must be the same as or more than the youngest age",
                        "areas": "Select at least one district the service covers"}
    assert "rule" in editor.check_answers({**good, "needs": ["NOT-A-CODE"]}, known)
    with pytest.raises(RuleError):
        editor.request_eligibility_change(db_session, None, set(), None,
                                          {"eligibility": {"field": "needs", "op": "has_any", "value": ["NOPE"]}})


# --- the pages ------------------------------------------------------------------------------------------------


def _service(db_session, slug=AUTISM) -> Service:
    return db_session.exec(select(Service).where(Service.slug == slug)).one()


def _lead(app, client, db_session, slug=AUTISM):
    app.config["WTF_CSRF_ENABLED"] = False
    lead = make_user(db_session, ["service_lead"], services=[slug])
    sign_in(client, lead)
    return lead, _service(db_session, slug)


def _form(section: editor.Section, **changes) -> dict:
    """The form as the page shows it for the listing, with some answers changed."""
    answers = {**section.answers, **changes}
    data = {"min_age": str(answers["min_age"]), "max_age": str(answers["max_age"]), "areas": answers["areas"],
            "referrers": answers["referrers"], "ehcp": answers["ehcp"],
            "not_for": [*(["not_in_education"] if answers["in_education"] else []),
                        *(["looked_after"] if answers["not_looked_after"] else [])]}
    for name in (*editor.FOR_FIELDS, "not_diagnosed", "not_suspected"):
        data[name] = answers[name]
    for name in ("for_message", "ehcp_message", "in_education_message", "not_looked_after_message",
                 "not_diagnosed_message", "not_suspected_message"):
        data[name] = answers[name]
    return data


def _requests(db_session, service_id) -> int:
    return db_session.exec(select(func.count()).select_from(ChangeRequest)
                           .where(ChangeRequest.service_id == service_id)).one()


def test_the_page_shows_the_rule_in_plain_english(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session)
    page = client.get(f"/your-services/{service.id}/edit/eligibility")
    assert page.status_code == 200
    current = text_of(page.soup.find(id="current-rule"))
    assert "For children who are aged 0 to 19 years" in current and "Not for children who have a diagnosis of" in \
        current.replace("Only for", "For") or "do not have a diagnosis" in current, current
    assert page.soup.find(id="min_age")["value"] == "0" and page.soup.find(id="max_age")["value"] == "19"
    section = editor.current_section(db_session, service.id)
    shown = client.post(f"/your-services/{service.id}/edit/eligibility",
                        data={**_form(section, min_age=4, needs=["ASD"]), "preview": "y"})
    assert shown.status_code == 200
    rule = text_of(shown.soup.find(id="your-rule").find_next("div"))
    assert "are aged 4 to 19 years" in rule and "have any of these needs" in rule, rule
    assert _requests(db_session, service.id) == 0


def test_a_rule_the_forms_cannot_express_is_shown_read_only(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session, "emotional-health-and-wellbeing-service")
    page = client.get(f"/your-services/{service.id}/edit/eligibility")
    assert "An admin must change it through the import format" in text_of(page.soup)
    assert page.soup.find(id="needs") is None and page.soup.find(id="min_age") is not None


@pytest.mark.parametrize("sample, outcome, words", [
    ({"sample_age": "9", "sample_district": "stafford", "sample_suspected": ["autism"]}, "Eligible", ""),
    ({"sample_age": "9", "sample_district": "stafford", "sample_suspected": ["autism"],
      "sample_diagnoses": ["autism"]}, "Not eligible", "already has an autism diagnosis"),
    ({"sample_age": "30", "sample_district": "stafford", "sample_suspected": ["autism"]}, "Not eligible",
     "Only for ages 0 to 19; your child is 30"),
    ({"sample_district": "stafford", "sample_suspected": ["autism"]}, "We need to know more",
     "your child's date of birth"),
])
def test_try_it_on_a_sample_child(app, client, db_session, sample, outcome, words):
    _lead_user, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    page = client.post(f"/your-services/{service.id}/edit/eligibility",
                       data={**_form(section), **sample, "try_it": "y"})
    assert page.status_code == 200
    result = text_of(page.soup.find(id="trial-outcome"))
    assert result.startswith(outcome) and words in result, result
    assert _requests(db_session, service.id) == 0


def test_try_it_uses_the_edited_rule_before_it_is_saved(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    page = client.post(f"/your-services/{service.id}/edit/eligibility",
                       data={**_form(section, areas=["tamworth"]), "sample_age": "9", "sample_district": "stafford",
                             "sample_suspected": ["autism"], "try_it": "y"})
    assert text_of(page.soup.find(id="trial-outcome")).startswith("Not eligible")
    assert "Tamworth" in text_of(page.soup.find(id="trial-outcome"))


def test_an_invalid_rule_is_refused_with_errors_and_nothing_is_saved(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    before = (writer.latest_revision(db_session, service.id), writer.service_entry(db_session, service.id))
    page = client.post(f"/your-services/{service.id}/edit/eligibility",
                       data={**_form(section, min_age=12, max_age=4, areas=[]), "save": "y"})
    assert page.status_code == 200
    assert page.soup.title.get_text().strip().startswith("Error: ")
    summary = text_of(page.soup.find(class_="govuk-error-summary"))
    assert "The oldest age must be the same as or more than the youngest age" in summary
    assert "Select at least one district the service covers" in summary
    bad_code = client.post(f"/your-services/{service.id}/edit/eligibility",
                           data={**_form(section), "needs": ["NOT-A-CODE"], "save": "y"})
    assert bad_code.status_code == 200 and "Select from the list" in text_of(bad_code.soup)
    not_a_number = client.post(f"/your-services/{service.id}/edit/eligibility",
                               data={**_form(section), "min_age": "five", "save": "y"})
    assert "The youngest age must be a whole number, like 5" in text_of(not_a_number.soup)
    unchanged = client.post(f"/your-services/{service.id}/edit/eligibility", data={**_form(section), "save": "y"})
    assert "You have not changed anything" in text_of(unchanged.soup)
    assert _requests(db_session, service.id) == 0
    assert (writer.latest_revision(db_session, service.id), writer.service_entry(db_session, service.id)) == before


def test_saving_makes_a_pending_change_request_and_changes_nothing_public(app, client, db_session):
    lead, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    before = writer.service_entry(db_session, service.id)
    saved = client.post(f"/your-services/{service.id}/edit/eligibility",
                        data={**_form(section, not_looked_after=True, referrers=["gp", "senco"]), "save": "y"})
    assert saved.status_code == 302
    requests = db_session.exec(select(ChangeRequest).where(ChangeRequest.service_id == service.id)).all()
    assert len(requests) == 1
    request = requests[0]
    assert (request.status, request.section, request.requested_by_id) == ("pending", "eligibility", lead.id)
    assert request.changes["referrers"] == ["gp", "senco"]
    assert {"field": "looked_after", "op": "is_false"} in request.changes["eligibility"]["all"]
    assert writer.service_entry(db_session, service.id) == before
    after = client.get(saved.headers["Location"])
    assert "sent to an admin for approval" in text_of(after.soup)
    assert "waiting for an admin's approval" in text_of(after.soup.find(id="waiting"))


def test_a_lead_cannot_open_another_services_editor(app, client, db_session):
    _lead_user, _own = _lead(app, client, db_session)
    other = _service(db_session, "staffordshire-sendiass")
    assert client.get(f"/your-services/{other.id}/edit/eligibility").status_code == 404
    section = editor.current_section(db_session, other.id)
    tampered = client.post(f"/your-services/{other.id}/edit/eligibility",
                           data={**_form(section, min_age=3), "save": "y"})
    assert tampered.status_code == 404
    assert _requests(db_session, other.id) == 0


def test_a_read_only_rule_keeps_its_rule_while_the_age_range_changes(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session, "emotional-health-and-wellbeing-service")
    before = writer.service_entry(db_session, service.id)
    saved = client.post(f"/your-services/{service.id}/edit/eligibility",
                        data={"min_age": "4", "max_age": "25", "areas": before["areas"],
                              "referrers": before["referrers"], "save": "y"})
    assert saved.status_code == 302
    requests = db_session.exec(select(ChangeRequest).where(ChangeRequest.service_id == service.id)).all()
    assert [r.changes for r in requests] == [{"min_age": 4}] and requests[0].status == "pending"
    assert writer.service_entry(db_session, service.id) == before


def test_age_and_rule_changes_wait_for_approval_together(app, client, db_session):
    _lead_user, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    before = writer.service_entry(db_session, service.id)
    saved = client.post(f"/your-services/{service.id}/edit/eligibility",
                        data={**_form(section, max_age=18, in_education=True), "save": "y"})
    assert saved.status_code == 302
    requests = db_session.exec(select(ChangeRequest).where(ChangeRequest.service_id == service.id)).all()
    changed = {name: value for r in requests for name, value in r.changes.items()}
    assert {r.status for r in requests} == {"pending"} and changed["max_age"] == 18
    assert {"field": "in_education", "op": "is_true"} in changed["eligibility"]["all"]
    assert writer.service_entry(db_session, service.id) == before
    assert db_session.get(Service, service.id).maximum_age == 19


@pytest.mark.parametrize("bad", [
    {"min_age": "-1"}, {"max_age": "9999"}, {"ehcp": "sometimes"}, {"areas": ["atlantis"]}, {"referrers": ["<b>"]},
    {"not_for": ["everyone"]}, {"for_message": "x" * 501}, {"diagnoses": ["autism"], "not_diagnosed": ["autism"]},
    {"sample_district": "atlantis", "try_it": "y"}, {"sample_ehcp": "maybe", "try_it": "y"},
    {"sample_age": "²", "try_it": "y"},
])
def test_bad_input_is_refused_with_an_error_and_nothing_is_saved(app, client, db_session, bad):
    _lead_user, service = _lead(app, client, db_session)
    section = editor.current_section(db_session, service.id)
    # A real change, so only the bad answer can stop it; the sample child's answers are tried, not saved.
    data = {**_form(section, not_looked_after=True), **({} if "try_it" in bad else {"save": "y"}), **bad}
    page = client.post(f"/your-services/{service.id}/edit/eligibility", data=data)
    assert page.status_code == 200 and page.soup.find(class_="govuk-error-summary") is not None
    assert page.soup.find(id="trial-outcome") is None
    assert _requests(db_session, service.id) == 0
