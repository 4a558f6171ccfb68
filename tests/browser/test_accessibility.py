"""Real-browser checks: a family on a phone reaches a service by clicking, and axe finds no WCAG 2.2 A/AA failures."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, axe_violations

pytestmark = pytest.mark.browser

SERVICES = ["staffordshire-sendiass", "ot-north-team", "aiming-high-short-breaks"]


def test_axe_catches_a_real_violation(page: Page, live_server):
    """The check itself can fail: an image without alt text is reported."""
    page.goto(live_server + "/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert any(v.startswith("image-alt") for v in axe_violations(page))


def test_start_category_and_service_pages_pass_axe(page: Page, live_server):
    for path in ["/", "/categories/speech-and-language-therapy", *[f"/services/{slug}" for slug in SERVICES]]:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert_accessible(page)


def test_phone_user_clicks_from_start_page_to_a_service(page: Page, live_server):
    page.goto(live_server + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Speech and language therapy").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Speech and language therapy")
    assert_accessible(page)
    first = page.locator("li.app-result h2 a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_text("How to get this service")).to_be_visible()
    assert_accessible(page)
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_long_unbroken_search_does_not_push_the_page_sideways_on_a_phone(page: Page, live_server):
    # The words are said back in the results heading: a 300-letter "word" wraps instead of widening the page.
    page.goto(live_server + "/search?q=" + "a" * 300)
    expect(page.locator("#results-heading")).to_contain_text("found")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_phone_user_browses_by_need_through_the_menu(page: Page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Needs", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find help by need")
    assert_accessible(page)
    page.get_by_role("link", name="Hearing impairment").click()
    assert_accessible(page)
    page.locator("li.app-result h2 a").first.click()
    assert page.url.startswith(live_server + "/services/")
    assert_accessible(page)


def test_postcode_search_works_without_javascript(page_without_javascript: Page, live_server):
    page = page_without_javascript
    page.goto(live_server + "/")
    page.get_by_label("Enter your postcode").fill("st3 4aa")
    page.get_by_role("button", name="Find services near you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which area do you live in?")
    page.get_by_label("Stoke-on-Trent").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services in Stoke-on-Trent")


def test_error_and_area_pages_pass_axe(page: Page, live_server):
    for path in ["/find-by-area?postcode=nonsense", "/find-by-area/choose-area?postcode=ST3+4AA&district=",
                 "/areas/tamworth", "/needs", "/no-such-page"]:
        page.goto(live_server + path)
        assert_accessible(page)


def test_search_with_child_details_narrow_and_open_a_result(page: Page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Search for a service").fill("speech")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search for services")
    page.get_by_label("Your child's age").fill("6")
    page.get_by_label("Postcode").fill("DE14 1AA")
    page.get_by_role("button", name="Search", exact=True).click()
    heading = page.locator("#results-heading")
    expect(heading).to_contain_text("for a child aged 6, in East Staffordshire")
    assert_accessible(page)
    before = int(heading.inner_text().split()[0])
    page.locator("input[name=category][value=speech-and-language-therapy]").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(heading).to_contain_text("filtered by Speech and language therapy")
    after = int(heading.inner_text().split()[0])
    assert 0 < after < before
    assert_accessible(page)
    first = page.locator("#results li.app-result h3 a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_accessible(page)


def test_search_pages_pass_axe(page: Page, live_server):
    for path in ["/search?q=autisim", "/search?q=trampoline&age=3", "/search?age=seven&postcode=B79",
                 "/search?q=salt&postcode=ST3+4AA", "/search?page=2"]:
        page.goto(live_server + path)
        assert_accessible(page)


def test_family_checks_what_their_child_might_get(page: Page, live_server):
    page.goto(live_server + "/")
    page.goto(live_server + "/check-what-my-child-might-get")
    assert_accessible(page)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("How old is your child?").fill("9")
    page.get_by_label("Your postcode").fill("DE14 1AA")
    page.get_by_label("Speech, language and communication needs", exact=False).check()
    page.locator("input[name=suspected][value=autism]").check()
    page.locator("input[name=ehcp][value=none]").check()
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Services your child may be able to get", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Show these services and why").click()
    assert_accessible(page)


def test_service_pages_with_rules_and_relations_pass_axe(page: Page, live_server):
    for slug in ["emotional-health-and-wellbeing-service", "autism-service-south-staffordshire",
                 "stoke-aiming-high-activities"]:
        page.goto(f"{live_server}/services/{slug}")
        assert_accessible(page)
