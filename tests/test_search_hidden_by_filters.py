"""When the person's choices (age, where the child lives, a place in the words, a filter, "only services my child
may be able to use") hide services that match the words, the page says which choice hid how many, and links to the
same search without that choice. Expected numbers come from the words alone and the seed's own facts."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from directory import routing
from directory.data import service_search
from directory.models import District, Service, ServiceArea, ServiceAttribute, TaxonomyTerm
from directory.search import SearchRequest
from directory.search.sync import get_index
from directory.web.public.search_page import _ages_note
from tests.helpers.pages import text_of


def heading(response) -> str:
    return response.soup.select_one("#results-heading").get_text(" ", strip=True)


def total(response) -> int:
    words = heading(response).split()
    return 0 if words[0] == "No" else int(words[0])


def hidden_lines(response) -> list[str]:
    return [text_of(p) for p in response.soup.select("#hidden-by-filters p")]


def hidden_links(response) -> dict[str, dict[str, list[str]]]:
    """Each link's text -> the query it asks for."""
    return {a.get_text(): parse_qs(urlsplit(a["href"]).query)
            for a in response.soup.select("#hidden-by-filters a")}


def services(db_session) -> dict[str, Service]:
    return {str(s.id): s for s in db_session.exec(select(Service))}


def text_matches(app, db_session, text: str) -> list[Service]:
    """Every service the words alone find (every area, age and filter)."""
    everything = services(db_session)
    return [everything[i] for i in get_index(app).search(SearchRequest(text=text, every_id=True)).all_ids]


def covers(db_session, service: Service, district: str) -> bool:
    return district in db_session.exec(
        select(District.slug).join(ServiceArea, ServiceArea.district_id == District.id)
        .where(ServiceArea.service_id == service.id)).all()


def in_category(db_session, service: Service, code: str) -> bool:
    return code in db_session.exec(
        select(TaxonomyTerm.code).join(ServiceAttribute, ServiceAttribute.taxonomy_term_id == TaxonomyTerm.id)
        .where(ServiceAttribute.service_id == service.id, ServiceAttribute.link_type == "category")).all()


def plural(count: int) -> str:
    return "1 service matches" if count == 1 else f"{count} services match"


# --- each kind of choice -------------------------------------------------------------------------------------


def test_age_says_how_many_it_hid_and_when_they_start(client, db_session):
    matches = text_matches(client.application, db_session, "adhd")
    hidden = [s for s in matches if not s.minimum_age <= 4 <= s.maximum_age]
    # In the seed: the two ADHD assessments (from 6) and the Emotional Health and Wellbeing Service (from 5).
    assert hidden and all(s.minimum_age > 4 for s in hidden)
    youngest = min(s.minimum_age for s in hidden)
    response = client.get("/search?q=adhd&age=4&cost=")
    assert total(response) == len(matches) - len(hidden)
    assert hidden_lines(response) == [
        f"{plural(len(hidden))} “adhd” but not for age 4: they start at age {youngest}. Remove your child's age"]
    assert hidden_links(response) == {"Remove your child's age": {"q": ["adhd"]}}
    # The inset follows the results heading when something was found.
    inset = response.soup.select_one("#hidden-by-filters")
    assert response.soup.select_one("#results-heading").find_next(id="hidden-by-filters") is inset
    without = client.get(response.soup.select_one("#hidden-by-filters a")["href"])
    assert total(without) == len(matches) and not hidden_lines(without)


def test_an_age_above_every_match_says_how_old_they_go(client, db_session):
    matches = text_matches(client.application, db_session, "speech therapy")
    # Every speech and language therapy listing in the seed is for 0 to 19.
    assert matches and all(s.maximum_age < 22 for s in matches)
    oldest = max(s.maximum_age for s in matches)
    response = client.get("/search?q=speech+therapy&age=22")
    assert total(response) == 0
    assert hidden_lines(response) == [f"{plural(len(matches))} “speech therapy” but not for age 22: "
                                      f"they are for ages up to {oldest}. Remove your child's age"]


def test_the_ages_note_in_each_case():
    assert _ages_note([(6, 17), (5, 25)], 4) == "they start at age 5"
    assert _ages_note([(6, 17)], 4) == "it starts at age 6"
    assert _ages_note([(0, 19), (0, 11)], 22) == "they are for ages up to 19"
    assert _ages_note([(0, 3)], 5) == "it is for ages up to 3"
    # Not "for ages 0 to 19", which age 7 is in: some are for younger children and some for older.
    assert _ages_note([(0, 3), (11, 19)], 7) == "some are for younger children and some for older"


def test_a_place_in_the_words_says_what_it_hid_and_links_to_all_areas(client, db_session):
    matches = text_matches(client.application, db_session, "speech therapy")
    hidden = [s for s in matches if not covers(db_session, s, "tamworth")]
    # In the seed: the North and South West team and Stoke Speaks Out.
    assert {s.slug for s in hidden} == {"slt-north-and-south-west-staffordshire", "stoke-speech-and-language-therapy"}
    response = client.get("/search?q=speech+therapy+in+tamworth")
    assert total(response) == len(matches) - len(hidden)
    assert hidden_lines(response) == ["2 services match “speech therapy” but not in Tamworth. Search all areas"]
    assert hidden_links(response) == {"Search all areas": {"q": ["speech therapy in tamworth"], "all_areas": ["1"]}}


def test_the_area_filter_says_what_it_hid(client, db_session):
    matches = text_matches(client.application, db_session, "speech therapy")
    hidden = [s for s in matches if not covers(db_session, s, "tamworth")]
    response = client.get("/search?q=speech+therapy&area=tamworth&age=5")
    assert hidden_lines(response) == [
        f"{plural(len(hidden))} “speech therapy” but do not cover Tamworth. Remove the area filter"]
    assert hidden_links(response) == {"Remove the area filter": {"q": ["speech therapy"], "age": ["5"]}}


def test_where_the_child_lives_says_what_it_hid(client, db_session):
    matches = text_matches(client.application, db_session, "speech therapy")
    hidden = [s for s in matches if not covers(db_session, s, "tamworth")]
    response = client.get("/search?q=speech+therapy&postcode=B79+7BZ&age=5&page=2")
    assert hidden_lines(response) == [f"{plural(len(hidden))} “speech therapy” but not in Tamworth, where your "
                                      "child lives. Remove where your child lives"]
    # Keeps the age, drops the postcode and the page.
    assert hidden_links(response) == {"Remove where your child lives": {"q": ["speech therapy"], "age": ["5"]}}


def test_a_type_of_help_filter_says_what_it_hid(client, db_session):
    matches = text_matches(client.application, db_session, "autism")
    hidden = [s for s in matches if not in_category(db_session, s, "autism-and-adhd")]
    assert hidden
    response = client.get("/search?q=autism&category=autism-and-adhd")
    assert total(response) == len(matches) - len(hidden)
    assert hidden_lines(response) == [f"{plural(len(hidden))} “autism” but are not listed under Autism and ADHD "
                                      "assessment. Remove the type of help filter"]
    assert hidden_links(response) == {"Remove the type of help filter": {"q": ["autism"]}}


def test_when_filters_hide_everything_the_message_leads_the_page(client, db_session):
    matches = text_matches(client.application, db_session, "short breaks")
    # Every seeded service is taking referrals.
    assert matches and all(s.accepting_referrals for s in matches)
    response = client.get("/search?q=short+breaks&accepting=no")
    assert total(response) == 0
    inset = response.soup.select_one("#hidden-by-filters")
    assert inset.find_next(id="results-heading") is not None  # before the heading
    assert hidden_lines(response) == [f"{plural(len(matches))} “short breaks” but are taking new referrals now. "
                                      "Remove the taking referrals filter"]
    assert hidden_links(response) == {"Remove the taking referrals filter": {"q": ["short breaks"]}}
    # With no words, the same is said of the search.
    everything = client.get("/search?accepting=no")
    assert hidden_lines(everything)[0].startswith(f"{len(services(db_session))} services match your search but "
                                                  "are taking new referrals now.")


def test_only_services_my_child_can_use_says_what_it_hid(client, db_session, app):
    matches = text_matches(app, db_session, "short breaks")
    # ST5 is in Newcastle-under-Lyme and Stafford: no district is chosen, but the router rules out what neither
    # gets: in the seed, Stoke's Aiming High and Stoke's Children with Disabilities team.
    facts = routing.read_record(db_session, {"child": {"postcode": "ST5"}})
    ruled_out = {str(r.service_id) for r in routing.route(routing.get_cache(app).get(db_session), facts)
                 if r.outcome == routing.NOT_ELIGIBLE}
    hidden = [s for s in matches if str(s.id) in ruled_out]
    assert {s.slug for s in hidden} == {"stoke-aiming-high-activities", "stoke-children-with-disabilities-team"}
    response = client.get("/search?q=short+breaks&postcode=ST5&eligible_only=y")
    assert total(response) == len(matches) - 2
    assert hidden_lines(response) == ["2 services match “short breaks” but your child may not be able to use them. "
                                      "Include services my child may not be able to use"]
    assert hidden_links(response) == {
        "Include services my child may not be able to use": {"q": ["short breaks"], "postcode": ["ST5"]}}


def test_choices_that_only_hide_services_together_say_so(client, db_session):
    matches = text_matches(client.application, db_session, "speech therapy")
    in_tamworth = [s for s in matches if covers(db_session, s, "tamworth")]
    # No speech therapy is for age 25; taking the age away shows Tamworth's; taking the place away shows none,
    # so the ones outside Tamworth are hidden by the two together.
    response = client.get("/search?q=speech+therapy+tamworth&age=25")
    assert total(response) == 0
    assert hidden_lines(response) == [
        f"{plural(len(in_tamworth))} “speech therapy” but not for age 25: they are for ages up to 19. "
        "Remove your child's age",
        f"{plural(len(matches) - len(in_tamworth))} “speech therapy” but not with all your choices together. "
        "Search again without filters",
    ]
    assert hidden_links(response) == {
        "Remove your child's age": {"q": ["speech therapy tamworth"]},
        "Search again without filters": {"q": ["speech therapy tamworth"], "all_areas": ["1"]},
    }


def test_nothing_is_said_when_nothing_was_hidden(client):
    assert not client.get("/search?q=speech+therapy&age=5").soup.select_one("#hidden-by-filters")
    assert not client.get("/search?q=speech+therapy").soup.select_one("#hidden-by-filters")
    # Filters with no words narrow the directory, which is what they are for: not said unless nothing is left.
    assert not client.get("/search?age=4").soup.select_one("#hidden-by-filters")


# --- the data layer ------------------------------------------------------------------------------------------


def test_find_explains_only_when_asked(app, db_session):
    index = get_index(app)
    request = SearchRequest(text="adhd", age=4)
    assert service_search.find(db_session, index, request).hidden == []
    found = service_search.find(db_session, index, request, explain=True)
    matches = text_matches(app, db_session, "adhd")
    assert found.text_total == len(matches)
    [hidden] = found.hidden
    expected = sorted((s.minimum_age, s.maximum_age) for s in matches if not s.minimum_age <= 4 <= s.maximum_age)
    assert (hidden.kind, hidden.count, sorted(hidden.ages)) == ("age", len(expected), expected)
    assert found.results.all_ids is None  # the caller did not ask for every id


def test_each_choice_counts_what_taking_it_away_adds(app, db_session):
    index = get_index(app)
    request = SearchRequest(text="autism", age=4, filters={"category": ["autism-and-adhd"]})
    found = service_search.find(db_session, index, request, explain=True)
    for hidden in found.hidden:
        if hidden.kind == "age":
            wider = SearchRequest(text="autism", filters={"category": ["autism-and-adhd"]})
        elif hidden.kind == "facet":
            wider = SearchRequest(text="autism", age=4)
        else:
            continue
        assert index.search(wider).total - found.results.total == hidden.count
    assert sum(h.count for h in found.hidden) == found.text_total - found.results.total


@pytest.mark.parametrize("query", [
    "q=adhd&age=4&category=nonsense", "q=adhd&age=99", "q=adhd&accepting=maybe&accepting=yes",
    "q=adhd&eligible_only=y", "q=adhd&eligible_only=y&postcode=ZZ", "q=tamworth&age=4&area=tamworth",
    "q=%22&age=4&cost=free", "q=adhd&age=4&page=-3", "q=st16+2&age=1&eligible_only=nope",
])
def test_odd_choices_never_fail(client, query):
    assert client.get(f"/search?{query}").status_code == 200

