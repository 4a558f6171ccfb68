"""Public pages, read as a family would: what they say, where they lead, and what happens with bad input."""

from urllib.parse import urljoin, urlparse

from sqlmodel import select

from directory.models import Service
from tests.helpers.pages import text_of


def test_start_page_says_what_the_site_is_for(client):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response.soup)
    assert "Find help for a child or young person with SEND" in text
    assert "in Staffordshire and Stoke-on-Trent" in text  # from the local authorities in the data
    links = {a["href"] for a in response.soup.select("main a")}
    assert "/categories/speech-and-language-therapy" in links
    assert "/needs" in links


def test_not_gov_uk_branded(client):
    html = client.get("/").get_data(as_text=True)
    assert "govuk-header__logo" not in html
    assert "Crown copyright" not in html
    assert "GOV.UK" not in html.replace("GOV.UK Design System", "")


def test_categories_list_counts_and_descriptions(client):
    response = client.get("/categories")
    link = response.soup.find("a", href="/categories/short-breaks")
    assert link.get_text(strip=True) == "Short breaks and activities"
    assert "services)" in link.find_next("span").get_text()


def test_category_page_lists_its_services(client):
    response = client.get("/categories/speech-and-language-therapy")
    assert response.soup.h1.get_text(strip=True) == "Speech and language therapy"
    names = [a.get_text(strip=True) for a in response.soup.select("main li.app-result h2 a")]
    assert len(names) >= 3
    assert names == sorted(names)
    assert any("Stoke" in name for name in names)


def test_unknown_category_is_a_404_in_the_site_design(client):
    response = client.get("/categories/astrology")
    assert response.status_code == 404
    assert response.soup.h1.get_text(strip=True) == "Page not found"
    assert response.soup.find("a", href="/")


def test_need_area_includes_services_for_its_types(client):
    area = client.get("/needs/communication-and-interaction")
    autism = client.get("/needs/asd")
    assert autism.soup.h1.get_text(strip=True) == "Autistic spectrum disorder"
    area_links = {a["href"] for a in area.soup.select("li.app-result a")}
    autism_links = {a["href"] for a in autism.soup.select("li.app-result a")}
    # A service listed for autism serves communication and interaction, and the reverse.
    assert autism_links <= area_links
    assert area_links <= autism_links | {a["href"] for a in client.get("/needs/slcn").soup.select("li.app-result a")}


def test_needs_page_lists_four_areas_and_sen_types(client):
    response = client.get("/needs")
    headings = [h.get_text(strip=True) for h in response.soup.select("main h2")]
    assert headings[:4] == [
        "Communication and interaction", "Cognition and learning",
        "Social, emotional and mental health", "Sensory and/or physical needs",
    ]
    assert response.soup.find("a", href="/needs/pmld")


def test_service_page_shows_everything_a_family_needs(client, db_session):
    service = db_session.exec(select(Service).where(Service.slug == "ot-north-team")).one()
    response = client.get("/services/ot-north-team")
    text = text_of(response.soup)
    assert response.soup.h1.get_text(strip=True) == service.name
    assert service.summary in text
    assert "Ages From birth to 19 years" in text
    assert "Newcastle-under-Lyme, Staffordshire Moorlands, Stoke-on-Trent" in text
    assert f"Waiting time About {round(service.wait_weeks * 12 / 52)} months ({service.wait_weeks} weeks)" in text
    assert "(updated " in text
    assert "SENCO or school" in text
    assert "01782 427450" in text and "childrensOT@mpft.nhs.uk" in text
    assert "Hazel Trees" in text and "ST4 3NR" in text
    assert "Last checked on" in text
    assert response.soup.find("a", href="tel:01782427450")


def test_service_page_says_when_families_can_refer_themselves(client):
    text = text_of(client.get("/services/staffordshire-sendiass").soup)
    assert "You can refer yourself." in text
    assert "You can refer yourself." not in text_of(client.get("/services/ot-north-team").soup)


def test_service_without_contact_details_says_so_and_links_to_the_local_offer(client):
    response = client.get("/services/autism-family-support")
    text = text_of(response.soup)
    assert "We do not have contact details for this service yet." in text
    link = response.soup.find("a", href="https://www.staffordshireconnects.info")
    assert link and "Staffordshire's Local Offer" in link.get_text()
    # A Stoke-on-Trent service points to Stoke-on-Trent's own Local Offer, from the data.
    stoke = client.get("/services/stoke-stay-well").soup
    assert "We do not have contact details for this service yet." in text_of(stoke)
    assert stoke.find("a", href="https://localoffer.stoke.gov.uk")
    assert not stoke.find("a", href="https://www.staffordshireconnects.info")


def test_service_with_contact_details_does_not_send_families_elsewhere(client):
    for slug in ("ot-north-team", "ehc-needs-assessment"):  # its own contacts; its organisation's web site
        text = text_of(client.get(f"/services/{slug}").soup)
        assert "We do not have contact details" not in text, slug


def test_unknown_service_is_a_404(client):
    assert client.get("/services/no-such-service").status_code == 404


def test_every_service_is_reachable_from_the_start_page_by_links(client, db_session):
    """Follow every link from the start page, as someone clicking would, and reach every active service."""
    seen, queue = set(), ["/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code in (200, 302), path
        if response.status_code == 200 and response.mimetype == "text/html":  # not a CSV download
            for anchor in response.soup.find_all("a", href=True):
                target = urlparse(urljoin(f"http://localhost{path}", anchor["href"]))
                if target.netloc == "localhost" and not target.path.startswith("/assets"):
                    queue.append(target.path)
    slugs = set(db_session.exec(select(Service.slug).where(Service.status == "active")))
    assert {f"/services/{slug}" for slug in slugs} <= seen


def test_postcode_in_one_district_goes_to_its_services(client):
    response = client.get("/find-by-area?postcode=b797bz")
    assert response.status_code == 302
    assert response.headers["Location"] == "/areas/tamworth"
    area = client.get("/areas/tamworth")
    assert area.soup.h1.get_text(strip=True) == "Services in Tamworth"
    assert "Staffordshire County Council" in text_of(area.soup)


def test_straddling_postcode_asks_which_district(client):
    response = client.get("/find-by-area?postcode=st34aa", follow_redirects=True)
    assert response.request.path == "/find-by-area/choose-area"
    assert response.soup.h1.get_text(strip=True) == "Which area do you live in?"
    options = [radio["value"] for radio in response.soup.select("input[type=radio]")]
    assert options == ["stafford", "staffordshire-moorlands", "stoke-on-trent"]
    assert "ST3" in text_of(response.soup)
    unanswered = client.get("/find-by-area/choose-area?postcode=ST3+4AA&district=")
    assert unanswered.soup.title.get_text().startswith("Error: ")
    assert "Select the area you live in" in text_of(unanswered.soup.select_one(".govuk-error-summary"))
    chosen = client.get("/find-by-area/choose-area?postcode=ST3+4AA&district=staffordshire-moorlands")
    assert chosen.headers["Location"] == "/areas/staffordshire-moorlands"
    not_offered = client.get("/find-by-area/choose-area?postcode=ST3+4AA&district=tamworth")
    assert not_offered.status_code == 200 and "Select the area you live in from the list" in text_of(not_offered.soup)


def test_malformed_postcode_gets_a_clear_error_and_keeps_what_was_typed(client):
    response = client.get("/find-by-area?postcode=B79+7B")
    assert response.status_code == 200
    assert response.soup.title.get_text().startswith("Error: Find help where you live")
    summary = response.soup.select_one(".govuk-error-summary")
    assert "Enter a real postcode, like B79 7BZ" in text_of(summary)
    assert summary.find("a", href="#postcode")
    assert response.soup.find("input", id="postcode")["value"] == "B79 7B"
    empty = client.get("/find-by-area?postcode=")
    assert "Enter a postcode" in text_of(empty.soup.select_one(".govuk-error-summary"))


def test_hostile_postcode_input_is_escaped(client):
    response = client.get("/find-by-area?postcode=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_postcode_outside_the_directory_says_so(client):
    response = client.get("/find-by-area?postcode=SW1A1AA")
    assert "We do not list services for SW1A 1AA yet" in text_of(response.soup)
    assert response.soup.find("a", href="/areas/tamworth")


def test_unknown_area_is_a_404(client):
    assert client.get("/areas/atlantis").status_code == 404


def test_server_error_page_in_the_site_design(app, monkeypatch):
    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    # Every app's logger is the one "directory" logger: put it back, or later tests' logs vanish.
    monkeypatch.setattr(app.logger, "disabled", True)
    client = app.test_client()
    client.allow_server_errors = True
    response = client.get("/explode")
    assert response.status_code == 500
    assert response.soup.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert "boom" not in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_health_route_answers_without_html(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}
