"""The public checker asks every question its "we need to know" answers name, takes outward codes, and says
when the child's age hides services."""

import pytest

from directory.rules import FIELDS, MISSING_QUESTIONS
from directory.web.public.check_forms import CheckForm
from directory.web.public.check_page import ASKED_BY, QUESTIONS, age_notes
from tests.helpers.pages import text_of
from tests.test_straddling_postcodes import COUNTY, add_service

CHECK = "/check-what-my-child-might-get"
ANSWERS = {"age": "9", "district": "tamworth", "ehcp": "not_sure"}


@pytest.fixture
def checker(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def test_every_fact_a_rule_can_ask_about_has_a_question_on_the_page(app):
    assert set(ASKED_BY) == set(FIELDS) == set(MISSING_QUESTIONS)
    assert set(QUESTIONS) == set(FIELDS)
    with app.test_request_context():
        form = CheckForm(meta={"csrf": False})
        for name, field_name in ASKED_BY.items():
            assert field_name is None or field_name in form._fields, name


# One service for each fact the checker does not ask for unless told: each needs to know it.
RULES = {
    "school-year": ({"field": "school_year", "op": "between", "value": [3, 6]}, "school_year",
                    "your child's school year"),
    "in-education": ({"field": "in_education", "op": "is_true"}, "in_education",
                     "whether your child is in school, college or other education"),
    "looked-after": ({"field": "looked_after", "op": "is_false"}, "looked_after",
                     "whether your child is looked after by the council (in care)"),
    "months": ({"field": "age_months", "op": "lte", "value": 113}, "months",
               "how many months old your child is, as well as their age in years"),
    "ehcp": ({"field": "ehcp", "op": "eq", "value": "in_place"}, "ehcp",
             "whether your child has an education, health and care (EHC) plan"),
}


def unknown_items(soup) -> dict:
    """Each "we need to know" service's name -> the (question, link target) pairs it shows."""
    heading = next((h for h in soup.select("main h2") if h.get_text().startswith("We need to know more")), None)
    if heading is None:
        return {}
    items = heading.find_next("ul").select("li.app-result")
    return {item.find("a").get_text(strip=True): [(a.get_text(strip=True), a["href"]) for a in item.select("p a")]
            for item in items}


def test_the_checker_asks_every_question_it_names_and_answering_decides(checker, db_session):
    for slug, (rule, _field, _question) in RULES.items():
        add_service(db_session, slug, COUNTY, eligibility=rule)
    page = checker.post(CHECK, data=ANSWERS).soup
    unknown = unknown_items(page)
    for slug, (_rule, field_id, question) in RULES.items():
        assert unknown[f"Test {slug}"] == [(question, f"#{field_id}")]
    # Every question named anywhere on the page links to a question the form asks.
    form = page.select_one("form[action='/check-what-my-child-might-get']")
    for links in unknown.values():
        for _question, href in links:
            assert form.find(id=href[1:]), href
    answered = checker.post(CHECK, data={**ANSWERS, "ehcp": "in_place", "school_year": "4", "in_education": "yes",
                                         "looked_after": "no", "months": "2"}).soup
    assert not set(unknown_items(answered)) & {f"Test {slug}" for slug in RULES}
    eligible = text_of(answered.select_one("main"))
    for slug in RULES:
        assert f"Test {slug}" in eligible


def test_a_year_of_age_decides_a_rule_in_months_when_every_month_agrees(checker, db_session):
    add_service(db_session, "under-three", COUNTY, eligibility={"field": "age_months", "op": "lte", "value": 35})
    page = checker.post(CHECK, data=ANSWERS).soup
    assert "Test under-three" not in unknown_items(page)
    assert ("Only for children who are aged 35 months or under; your child is 108 to 119 months old"
            in text_of(page))


def test_checker_questions_are_optional_and_checked(checker):
    response = checker.post(CHECK, data={**ANSWERS, "months": "14", "school_year": "year 4", "looked_after": "maybe"})
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter the months as a whole number from 0 to 11, like 6" in summary
    for months in ("9" * 5000, "²", "-1", "6.5"):
        response = checker.post(CHECK, data={**ANSWERS, "months": months})
        assert "Enter the months as a whole number from 0 to 11, like 6" in text_of(response.soup)
    assert "Choose a school year from the list" in summary
    assert "Select yes, no or I'm not sure" in summary


@pytest.mark.parametrize("postcode", ["B78", "b78", "B78 1AA"])
def test_an_outward_code_that_straddles_districts_is_decided_where_they_agree(checker, db_session, postcode):
    add_service(db_session, "county-wide", COUNTY)
    add_service(db_session, "tamworth-only", ["tamworth"])
    add_service(db_session, "stafford-only", ["stafford"])
    page = checker.post(CHECK, data={**ANSWERS, "district": "", "postcode": postcode, "ehcp": "none"}).soup
    assert not page.select_one(".govuk-error-summary")
    text = text_of(page)
    assert "Postcodes starting B78 can be in Lichfield or Tamworth" in text
    eligible = page.select_one("main ul.govuk-list")
    assert "Test county-wide" in text_of(eligible)
    assert unknown_items(page)["Test tamworth-only"] == [("which area you live in", "#district")]
    assert "Only for children who live in Stafford; you live in Lichfield or Tamworth" in text


def test_an_outward_code_in_one_district_is_that_district(checker):
    text = text_of(checker.post(CHECK, data={**ANSWERS, "district": "", "postcode": "b79"}).soup)
    assert "for a child aged 9 in Tamworth" in text


def test_a_malformed_outward_code_gets_a_clear_error(checker):
    response = checker.post(CHECK, data={**ANSWERS, "district": "", "postcode": "B79 7"})
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter a real postcode, like B79 7BZ, or the first part of one, like B79" in summary


def test_search_and_find_by_area_take_an_outward_code(client):
    search = client.get("/search?q=speech&postcode=b79")
    assert not search.soup.select_one(".govuk-error-summary")
    assert search.soup.select_one("#results-heading").get_text().rstrip().endswith("in Tamworth")
    assert client.get("/find-by-area?postcode=b79").headers["Location"].endswith("/tamworth")
    choose = client.get("/find-by-area?postcode=B78")
    assert choose.status_code == 302 and "choose-area" in choose.headers["Location"]
    assert "Lichfield" in text_of(client.get(choose.headers["Location"]).soup)


def test_the_checker_says_when_the_age_hides_services(checker, db_session):
    add_service(db_session, "from-six-a", COUNTY, ages=(6, 25))
    add_service(db_session, "from-six-b", COUNTY, ages=(6, 18))
    add_service(db_session, "under-three", COUNTY, ages=(0, 3))
    page = checker.post(CHECK, data={**ANSWERS, "age": "4"}).soup
    notes = [text_of(note) for note in page.select(".app-age-note")]
    # Seeded services may start or end at other ages too; ours start at 6 and end at 3.
    assert any("your other answers, but not for age 4: they start at age" in note and " 6" in note for note in notes)
    assert any("but not for age 4:" in note and "for children up to age 3" in note for note in notes)
    hidden = text_of(page.select_one("#hidden-by-age"))
    assert "Test from-six-a (ages 6 to 25)" in hidden and "Test under-three (ages 0 to 3)" in hidden


def test_age_notes_read_as_sentences():
    assert age_notes(4, {1: (6, 25), 2: (6, 18)}) == [
        "2 services match your other answers, but not for age 4: they start at age 6"]
    assert age_notes(4, {1: (6, 25), 2: (5, 18), 3: (0, 3)}) == [
        "2 services match your other answers, but not for age 4: they start at ages 5 and 6",
        "1 service matches your other answers, but not for age 4: it is for children up to age 3"]
    assert age_notes(4, {}) == []


def test_search_for_my_child_with_a_straddling_postcode_leaves_out_what_none_of_its_districts_gets(client):
    def total(url):
        return int(client.get(url).soup.select_one("#results-heading").get_text().split()[0])

    anywhere = total("/search?q=support&age=9&eligible_only=y")
    may_use = total("/search?q=support&age=9&postcode=B78&eligible_only=y")
    in_tamworth = total("/search?q=support&age=9&district=tamworth&eligible_only=y")
    # Services only for other districts go; one only for Tamworth (or only for Lichfield) may still apply.
    assert in_tamworth <= may_use < anywhere
