"""Eligibility in the site: service pages explain their rule and relations; the public checker; search filter."""

from tests.helpers.pages import text_of

CHECK = "/check-what-my-child-might-get"


def test_service_page_explains_its_rule_in_plain_english(client):
    text = text_of(client.get("/services/emotional-health-and-wellbeing-service").soup)
    assert "For children who are aged 5 to 25 years" in text
    assert "At least one of these:" in text
    assert "For children who have an education, health and care (EHC) plan" in text


def test_service_page_shows_relations_as_sections_a_parent_understands(client):
    wellbeing = client.get("/services/emotional-health-and-wellbeing-service").soup
    headings = [h.get_text(strip=True) for h in wellbeing.select("main h2")]
    assert "If this service is not right" in headings
    assert "Same service if you live in Stoke-on-Trent" in headings
    aiming_high = text_of(client.get("/services/aiming-high-short-breaks").soup)
    assert "Same service if you live in Stoke-on-Trent" in aiming_high
    # The equivalent points back, so a Stoke family finds the Staffordshire service too.
    stoke = client.get("/services/stoke-aiming-high-activities").soup
    assert stoke.find("a", href="/services/aiming-high-short-breaks")
    autism = [h.get_text(strip=True) for h in client.get("/services/autism-service-south-staffordshire").soup
              .select("main h2")]
    assert "While you wait" in autism


def test_checker_asks_for_what_it_needs_with_clear_errors(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post(CHECK, data={"age": "nine"})
    summary = text_of(response.soup.select_one(".govuk-error-summary"))
    assert "Enter your child's age as a whole number, like 7" in summary
    assert "Enter your postcode or choose your area" in summary
    assert "Select whether your child has an EHC plan" in summary
    assert response.soup.find("input", id="age")["value"] == "nine"


def test_checker_shows_three_groups_with_reasons(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post(CHECK, data={"age": "9", "district": "tamworth", "needs": ["SLCN"],
                                        "ehcp": "not_sure"})
    text = text_of(response.soup)
    headings = [h.get_text(strip=True) for h in response.soup.select("main h2")]
    assert any(h.startswith("Services your child may be able to get") for h in headings)
    assert any(h.startswith("We need to know more") for h in headings)
    assert any(h.startswith("Probably not right for your child") for h in headings)
    assert "We need to know whether your child has an education, health and care (EHC) plan" in text
    assert "Only for children with" in text or "Only for ages" in text
    # In Stoke-on-Trent the Staffordshire wellbeing service says no, and points to the city's own.
    stoke = client.post(CHECK, data={"age": "9", "district": "stoke-on-trent", "needs": ["SEMH"], "ehcp": "none"})
    assert "Instead, where you live:" in text_of(stoke.soup)


def test_checker_needs_a_csrf_token(client):
    response = client.post(CHECK, data={"age": "9", "district": "tamworth", "ehcp": "none"})
    assert response.status_code == 400


def test_checker_stores_nothing(app, db_session):
    from tests.helpers.databases import dump

    app.config["WTF_CSRF_ENABLED"] = False
    before = dump(db_session)
    app.test_client().post(CHECK, data={"age": "9", "district": "tamworth", "ehcp": "none"})
    assert dump(db_session) == before


def test_search_can_show_only_services_the_child_may_use(client):
    def total(url):
        return int(client.get(url).soup.select_one("#results-heading").get_text().split()[0])

    everything = total("/search?q=mental+health&age=10&district=stoke-on-trent")
    may_use = total("/search?q=mental+health&age=10&district=stoke-on-trent&eligible_only=y")
    assert 0 < may_use <= everything
    heading = client.get("/search?q=support&age=22&eligible_only=y").soup.select_one("#results-heading").get_text()
    assert heading.rstrip().endswith("that your child may be able to use")


def test_search_leaves_out_exactly_the_services_it_is_told_to(app):
    from directory.search import SearchRequest
    from directory.search.sync import get_index

    index = get_index(app)
    everything = index.search(SearchRequest(text="therapy"))
    dropped = frozenset(everything.ids[:3])
    fewer = index.search(SearchRequest(text="therapy", exclude_ids=dropped))
    assert fewer.total == everything.total - 3
    assert not dropped & set(fewer.ids)
