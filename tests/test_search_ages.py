"""A child's age typed in the search box ("speech therapy for my 4 year old") becomes the age, is said back with
"Search all ages", and says what it hid; a school year, a range or a bare number is not an age."""

from urllib.parse import parse_qs, urlsplit

import pytest

from directory.data.service_search import read_age
from tests.helpers.pages import text_of
from tests.test_search_hidden_by_filters import heading, hidden_lines, text_matches, total


def age_said_back(response) -> str | None:
    line = response.soup.select_one("#age-said-back")
    return text_of(line) if line else None


@pytest.mark.parametrize("typed, age, left, said", [
    ("speech therapy for my 4 year old", 4, ["speech", "therapy"], "for my 4 year old"),
    ("4-year-old not talking", 4, ["not", "talking"], "4 year old"),
    ("my 4yo wont sleep", 4, ["wont", "sleep"], "my 4yo"),
    ("aged 15 anxiety", 15, ["anxiety"], "aged 15"),
    ("anxiety age 7", 7, ["anxiety"], "age 7"),
    ("18 month old not walking", 1, ["not", "walking"], "18 month old"),
    ("3 years old autism", 3, ["autism"], "3 years old"),
    ("ST16 3 year old", 3, ["st16"], "3 year old"),
])
def test_an_age_is_read_from_the_words(typed, age, left, said):
    reading = read_age(typed)
    assert (reading.age, reading.words, reading.said) == (age, left, said)


@pytest.mark.parametrize("typed", ["year 6 transition", "16-25 college", "support for 30 year old", "my son is 12",
                                   "age 4 5", "ks2", "2 parents", "6 yrs", "100 year old"])
def test_school_years_ranges_bare_numbers_and_adults_are_not_ages(typed):
    assert read_age(typed) is None


def test_an_age_in_the_words_filters_and_is_said_back(client, db_session):
    matches = text_matches(client.application, db_session, "adhd")
    for_four = [s for s in matches if s.minimum_age <= 4 <= s.maximum_age]
    assert for_four and len(for_four) < len(matches)  # the ADHD assessments start at 6
    response = client.get("/search?q=adhd+my+4+year+old")
    assert age_said_back(response) == "Showing services for a child aged 4. Search all ages"
    assert total(response) == len(for_four)
    assert "found for “adhd”, for a child aged 4" in heading(response)
    # What the age hid is said, with the way back to every age.
    hidden = len(matches) - len(for_four)
    line = hidden_lines(response)[0]
    assert line.startswith(f"{hidden} services match “adhd” but not for age 4: ") and line.endswith("Search all ages")


def test_search_all_ages_keeps_the_words_and_drops_the_age(client, db_session):
    response = client.get("/search?q=adhd+4+year+old&cost=")
    link = response.soup.select_one("#age-said-back a")
    assert parse_qs(urlsplit(link["href"]).query) == {"q": ["adhd 4 year old"], "all_ages": ["1"]}
    everywhere = client.get(link["href"])
    assert age_said_back(everywhere) is None
    assert "for a child aged" not in heading(everywhere)
    # Kept when the form is sent again.
    assert everywhere.soup.select_one("input[name=all_ages]")["value"] == "1"


def test_the_age_the_person_gave_wins_over_one_in_the_words(client):
    response = client.get("/search?q=adhd+4+year+old&age=9")
    assert age_said_back(response) is None
    assert "for a child aged 9" in heading(response)


def test_an_age_and_a_place_in_the_words_together(client):
    response = client.get("/search?q=speech+therapy+in+tamworth+for+my+3+year+old")
    assert age_said_back(response) == "Showing services for a child aged 3. Search all ages"
    assert text_of(response.soup.select_one("#place-said-back")).startswith("Showing services for Tamworth")
    assert "found for “speech therapy”, in Tamworth, for a child aged 3" in heading(response)


@pytest.mark.parametrize("query", ["q=99+year+old", "q=aged", "q=age+0", "q=0+month+old", "q=4yo&all_ages=x",
                                   "q=aged+4&age=not-a-number", "q=" + "4+year+old+" * 40])
def test_odd_age_input_never_fails(client, query):
    assert client.get(f"/search?{query}").status_code == 200
