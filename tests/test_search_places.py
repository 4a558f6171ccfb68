"""A place typed in the search box: a town, a district, a council, a full or partial postcode becomes the area
filter and is said back, unless the person chose an area themselves or the words are part of a service's name."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import func, select

from directory.data import service_search
from directory.models import District, LocalAuthority, Service, ServiceArea
from directory.search import SearchRequest
from directory.search.sync import get_index
from tests.helpers.pages import text_of


def result_slugs(response) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in response.soup.select("#results li.app-result h3 a")]


def heading(response) -> str:
    return response.soup.select_one("#results-heading").get_text(" ", strip=True)


def said_back(response) -> str | None:
    line = response.soup.select_one("#place-said-back")
    return text_of(line) if line else None


def total(response) -> int:
    words = heading(response).split()
    return 0 if words[0] == "No" else int(words[0])


def covering(db_session, *district_slugs) -> set[str]:
    """Slugs of the active services that cover any of these districts, straight from the database."""
    return set(db_session.exec(
        select(Service.slug).join(ServiceArea, ServiceArea.service_id == Service.id)
        .join(District, District.id == ServiceArea.district_id)
        .where(District.slug.in_(district_slugs), Service.status == "active")
    ))


def slugs_of(db_session, ids) -> set[str]:
    import uuid
    return set(db_session.exec(select(Service.slug).where(Service.id.in_([uuid.UUID(i) for i in ids]))))


def text_matches(app, db_session, text: str) -> set[str]:
    """Every service the words alone find, in every area."""
    return slugs_of(db_session, get_index(app).search(SearchRequest(text=text, every_id=True)).all_ids)


def every_result(client, query: str) -> set[str]:
    """All results of a search, over every page."""
    slugs, page = set(), 1
    while True:
        response = client.get(f"/search?{query}&page={page}")
        slugs |= set(result_slugs(response))
        if not response.soup.select_one(".govuk-pagination__next"):
            return slugs
        page += 1


# --- a place alone -------------------------------------------------------------------------------------------


def test_a_town_alone_shows_every_service_covering_it(client, db_session):
    response = client.get("/search?q=tamworth")
    # The seed: the 35 county-wide services that list every Staffordshire district, and the Tamworth Family Hub.
    assert total(response) == 36 == len(covering(db_session, "tamworth"))
    assert every_result(client, "q=tamworth") == covering(db_session, "tamworth")
    assert heading(response) == "36 services found in Tamworth"
    assert said_back(response) == "Showing services for Tamworth. Search all areas"


def test_a_town_alone_lists_the_services_named_for_it_and_the_most_local_first(client, db_session):
    # Not the alphabet: the service named for the town, then those for few places, then the county-wide ones.
    order = [a["href"].rsplit("/", 1)[1] for page in (1, 2)
             for a in client.get(f"/search?q=tamworth&page={page}").soup.select("#results li.app-result h3 a")]
    assert order[0] == "family-hub-tamworth"
    areas = dict(db_session.exec(
        select(Service.slug, func.count(ServiceArea.district_id))
        .join(ServiceArea, ServiceArea.service_id == Service.id).group_by(Service.slug)).all())
    widest = max(areas[slug] for slug in order)
    local = [i for i, slug in enumerate(order) if areas[slug] < widest]
    county_wide = [i for i, slug in enumerate(order) if areas[slug] == widest]
    assert local and county_wide and max(local) < min(county_wide)


@pytest.mark.parametrize(("typed", "said", "district"), [
    ("Leek", "Showing services for Leek (Staffordshire Moorlands).", "staffordshire-moorlands"),
    ("RUGELEY", "Showing services for Rugeley (Cannock Chase).", "cannock-chase"),
    ("burton", "Showing services for Burton upon Trent (East Staffordshire).", "east-staffordshire"),
    ("Burton upon Trent", "Showing services for Burton upon Trent (East Staffordshire).", "east-staffordshire"),
    ("barton-under-needwood", "Showing services for Barton-under-Needwood (East Staffordshire).",
     "east-staffordshire"),
    ("cheslyn hay", "Showing services for Cheslyn Hay (South Staffordshire).", "south-staffordshire"),
    ("stoke", "Showing services for Stoke-on-Trent.", "stoke-on-trent"),
])
def test_towns_are_read_and_said_back_with_their_district(client, db_session, typed, said, district):
    response = client.get("/search", query_string={"q": typed})
    assert said_back(response) == f"{said} Search all areas"
    assert every_result(client, f"q={typed.replace(' ', '+')}") == covering(db_session, district)


@pytest.mark.parametrize("typed", [
    "newcastle under lyme", "Newcastle-under-Lyme", "NEWCASTLE-UNDER LYME", "newcastle",
])
def test_a_district_of_several_words_is_read_however_it_is_typed(client, db_session, typed):
    response = client.get("/search", query_string={"q": f"short breaks in {typed}"})
    assert said_back(response) == "Showing services for Newcastle-under-Lyme. Search all areas"
    assert heading(response).endswith("for “short breaks”, in Newcastle-under-Lyme")
    expected = text_matches(client.application, db_session, "short breaks") & covering(db_session,
                                                                                     "newcastle-under-lyme")
    assert expected and set(result_slugs(response)) == expected


def test_multi_word_districts_are_read_anywhere_in_the_words(client, db_session):
    response = client.get("/search?q=cannock+chase+speech+therapy")
    assert said_back(response) == "Showing services for Cannock Chase. Search all areas"
    assert set(result_slugs(response)) == (text_matches(client.application, db_session, "speech therapy")
                                           & covering(db_session, "cannock-chase"))


def test_a_council_stands_for_all_its_districts(client, db_session):
    county = client.get("/search?q=staffordshire")
    county_districts = set(db_session.exec(
        select(District.slug).join(LocalAuthority, LocalAuthority.id == District.local_authority_id)
        .where(LocalAuthority.slug == "staffordshire")))
    assert len(county_districts) == 8  # never narrowed to "East Staffordshire" or "Staffordshire Moorlands"
    assert said_back(county) == "Showing services for Staffordshire. Search all areas"
    # Every seeded service but the five that cover Stoke-on-Trent alone.
    assert total(county) == 46
    assert every_result(client, "q=staffordshire") == covering(db_session, *county_districts)
    for typed in ("stoke on trent", "Stoke-on-Trent", "stoke-on-trent city council"):
        city = client.get("/search", query_string={"q": typed})
        assert said_back(city) == "Showing services for Stoke-on-Trent. Search all areas"
        assert set(result_slugs(city)) == covering(db_session, "stoke-on-trent")  # 10: one page


# --- postcodes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "said"), [
    ("adhd st16", "ST16"),
    ("adhd ST16 2", "ST16 2"),
    ("st16 2 adhd", "ST16 2"),
    ("adhd ST16 3NE", "ST16 3NE"),
    ("adhd st163ne", "ST16 3NE"),
])
def test_a_full_or_partial_postcode_becomes_its_district(client, db_session, typed, said):
    response = client.get("/search", query_string={"q": typed})
    assert said_back(response) == f"Showing services for {said} (Stafford). Search all areas"
    assert heading(response).endswith(f"for “adhd”, in {said}")
    expected = text_matches(client.application, db_session, "adhd") & covering(db_session, "stafford")
    assert expected and set(result_slugs(response)) == expected


def test_an_outward_code_that_straddles_districts_filters_to_all_of_them(client, db_session):
    response = client.get("/search?q=ws11")
    assert said_back(response) == "Showing services for WS11 (Cannock Chase and South Staffordshire). Search all areas"
    both = covering(db_session, "cannock-chase", "south-staffordshire")
    # Either district's: Cannock Chase's 36 and the one South Staffordshire service that does not cover it.
    assert every_result(client, "q=ws11") == both and len(both) == 37
    assert {"family-hub-cannock-chase", "slt-north-and-south-west-staffordshire"} <= both
    st3 = client.get("/search?q=autism+ST3")
    assert said_back(st3) == ("Showing services for ST3 (Stafford, Staffordshire Moorlands and Stoke-on-Trent). "
                              "Search all areas")


def test_a_childs_age_after_an_outward_code_is_not_taken_as_its_sector(client):
    response = client.get("/search?q=ws11+3+year+old")
    assert said_back(response).startswith("Showing services for WS11 (")
    assert "found in WS11, for a child aged 3" in heading(response)


@pytest.mark.parametrize("typed", ["ks2 support", "y6 transition", "b12 speech", "st99 speech", "ot"])
def test_codes_the_directory_does_not_cover_stay_words(db_session, typed):
    vocabulary = service_search.read_vocabulary(db_session)
    assert service_search.read_places(vocabulary, typed) is None


def test_apostrophes_and_hyphens_are_read_as_typed(db_session):
    district = db_session.exec(select(District).where(District.slug == "stafford")).one()
    district.towns = [*district.towns, "Bishop's Offley"]
    db_session.add(district)
    db_session.flush()
    vocabulary = service_search.read_vocabulary(db_session)
    for typed in ("bishops offley", "Bishop's Offley", "bishop’s offley", "BISHOPS-OFFLEY"):
        reading = service_search.read_places(vocabulary, f"autism {typed} group")
        assert reading.districts == ["stafford"] and reading.words == ["autism", "group"]
        assert reading.places[0].name == "Bishop's Offley"


# --- a place with words, and when it is not a place ----------------------------------------------------------


def test_a_place_with_words_narrows_the_words_to_the_place(client, db_session):
    response = client.get("/search?q=speech+therapy+in+Tamworth")
    expected = text_matches(client.application, db_session, "speech therapy") & covering(db_session, "tamworth")
    assert set(result_slugs(response)) == expected
    assert heading(response) == f"{len(expected)} services found for “speech therapy”, in Tamworth"
    assert "slt-south-east-staffordshire" in result_slugs(response)
    assert "stoke-speech-and-language-therapy" not in result_slugs(response)


def test_place_words_in_a_found_services_name_are_kept_as_words(client, db_session):
    # "Speech and language therapy – Stoke-on-Trent (Stoke Speaks Out)": "stoke" is part of its name there.
    response = client.get("/search?q=stoke+speaks+out")
    assert said_back(response) is None
    assert "found for “stoke speaks out”" in heading(response)
    assert result_slugs(response)[0] == "stoke-speech-and-language-therapy"
    # The same words as a place: the name's "Stoke-on-Trent" part says where it is, not what it is called.
    placed = client.get("/search?q=speech+therapy+stoke")
    assert said_back(placed) == "Showing services for Stoke-on-Trent. Search all areas"
    assert "stoke-speech-and-language-therapy" in result_slugs(placed)
    # "Staffordshire SENDIASS": the council's name is part of the service's.
    sendiass = client.get("/search?q=staffordshire+sendiass")
    assert said_back(sendiass) is None
    assert "staffordshire-sendiass" in result_slugs(sendiass)


def test_find_says_what_it_read(app, db_session):
    index = get_index(app)
    found = service_search.find(db_session, index, SearchRequest(text="Short breaks near Leek"))
    assert (found.text, found.place_districts, found.place_name, found.place_area) == (
        "short breaks", ["staffordshire-moorlands"], "Leek", "Staffordshire Moorlands")
    plain = service_search.find(db_session, index, SearchRequest(text="short breaks"))
    assert (plain.text, plain.place_districts, plain.place_name) == ("short breaks", [], None)
    # Not read: switched off, or the person chose an area (a filter, or where their child lives).
    for request, read in ((SearchRequest(text="short breaks leek"), False),
                          (SearchRequest(text="short breaks leek", filters={"district": ["lichfield"]}), True),
                          (SearchRequest(text="short breaks leek", district="tamworth"), True)):
        found = service_search.find(db_session, index, request, read_place=read)
        assert (found.text, found.place_name) == ("short breaks leek", None)


def test_the_place_vocabulary_is_read_once_per_directory_revision(app, db_session):
    cache = service_search.PlaceCache()
    first = cache.get(db_session)
    assert cache.get(db_session) is first
    from directory.listings.revision import bump
    bump(db_session)
    assert cache.get(db_session) is not first


# --- the person's own area wins, and "Search all areas" ------------------------------------------------------


@pytest.mark.parametrize("own", ["area=lichfield", "postcode=WS13+6AA", "postcode=ST5", "district=lichfield"])
def test_the_persons_own_area_wins_over_a_place_in_the_words(client, own):
    response = client.get(f"/search?q=speech+therapy+tamworth&{own}")
    assert said_back(response) is None
    assert "for “speech therapy tamworth”" in heading(response)


def test_search_all_areas_keeps_the_words_and_drops_the_place(client, db_session):
    response = client.get("/search?q=speech+therapy+tamworth&age=5")
    link = response.soup.select_one("#place-said-back a")
    assert link.get_text() == "Search all areas"
    args = parse_qs(urlsplit(link["href"]).query)
    assert args == {"q": ["speech therapy tamworth"], "age": ["5"], "all_areas": ["1"]}
    everywhere = client.get(link["href"])
    assert said_back(everywhere) is None
    assert "found for “speech therapy tamworth”, for a child aged 5" in heading(everywhere)
    # The choice is kept when the form is sent again (a filter applied, the age changed).
    assert everywhere.soup.select_one("input[name=all_areas]")["value"] == "1"
    assert said_back(client.get("/search?q=speech+therapy+tamworth&all_areas=1&cost=free")) is None
    assert said_back(client.get("/search?q=speech+therapy+tamworth&all_areas=")) is not None


@pytest.mark.parametrize("query", [
    "q=st16+2", "q=ST16+2AB+ST16+3NE", "q=tamworth&area=nowhere", "q=tamworth&all_areas=banana",
    "q=B79+7BZ&postcode=not-a-postcode", "q=leek&age=-1", "q=%E2%80%99", "q='s", "q=-", "q=in",
    "q=tamworth+tamworth+lichfield", "q=stoke&district=nowhere", "q=" + "tamworth+" * 60,
])
def test_odd_place_input_never_fails(client, query):
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
