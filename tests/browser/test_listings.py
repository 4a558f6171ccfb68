"""Service leads keep their listings true, in a real browser at phone width with axe on every page: a waiting time
is public at once, a new description only once an admin approves it (and then search finds it), and a parent's
report of a wrong phone number reaches the lead."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.test_tell_it_once import sign_in

pytestmark = pytest.mark.browser

SENDIASS = "Staffordshire SENDIASS – SEND information, advice and support"
SLUG = "staffordshire-sendiass"
NEW_WORDS = "Free, confidential advice about SEND from trained caseworkers, including help with quokkaflower letters."


def open_listing(page: Page, live_server) -> None:
    sign_in(page, live_server, "Liz Listings")
    page.get_by_role("link", name="Your services' listings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your services")
    assert_accessible(page)
    page.get_by_role("link", name=SENDIASS).click()
    assert_accessible(page)


def test_a_wait_is_public_at_once_and_a_description_once_approved_and_then_searchable(open_page, live_server):
    lead = open_page()
    open_listing(lead, live_server)
    # The waiting time: public as soon as it is saved.
    lead.get_by_role("link", name="Change waiting time").click()
    assert_accessible(lead)
    lead.get_by_label("How many weeks is the wait for a new referral now?").fill("5")
    lead.get_by_role("button", name="Publish waiting time").click()
    expect(lead.locator(".govuk-notification-banner--success")).to_be_visible()
    assert_accessible(lead)
    family = open_page()
    family.goto(f"{live_server}/services/{SLUG}")
    expect(family.locator("main")).to_contain_text("5 weeks")
    assert_accessible(family)

    # The description: sent for approval, not public yet.
    lead.get_by_role("link", name="Change about the service").click()
    assert_accessible(lead)
    lead.get_by_label("Description").fill(NEW_WORDS)
    lead.get_by_role("button", name="Send for approval").click()
    expect(lead.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(lead.locator("main")).to_contain_text("Waiting for approval")
    assert_accessible(lead)
    family.reload()
    expect(family.locator("main")).not_to_contain_text("quokkaflower")

    # An admin sees the change field by field and approves it.
    admin = open_page()
    sign_in(admin, live_server, "Ada Admin")
    admin.get_by_role("link", name="Changes to listings waiting for approval").click()
    assert_accessible(admin)
    admin.get_by_role("link", name=SENDIASS).first.click()
    expect(admin.locator("main")).to_contain_text("quokkaflower")
    assert_accessible(admin)
    admin.get_by_label("Approve: publish it now").check()
    admin.get_by_role("button", name="Save decision").click()
    expect(admin.locator(".govuk-notification-banner--success")).to_be_visible()
    assert_accessible(admin)

    # Public, and found by search.
    family.reload()
    expect(family.locator("main")).to_contain_text("quokkaflower letters")
    family.goto(f"{live_server}/search?q=quokkaflower")
    expect(family.locator("main")).to_contain_text(SENDIASS)
    assert_accessible(family)


def test_a_parent_reports_a_wrong_phone_number_and_the_lead_sees_it(open_page, live_server):
    parent = open_page()
    parent.goto(f"{live_server}/services/{SLUG}")
    parent.get_by_role("link", name="Report something wrong on this page").click()
    assert_accessible(parent)
    parent.get_by_role("button", name="Send report").click()
    expect(parent.locator(".govuk-error-summary")).to_contain_text("Enter what is wrong on this page")
    assert_accessible(parent)
    parent.get_by_label("What is wrong on this page?").fill("The phone number rings a fish and chip shop.")
    parent.get_by_role("button", name="Send report").click()
    expect(parent.get_by_role("heading", level=1)).to_contain_text("Report sent")
    assert_accessible(parent)

    lead = open_page()
    sign_in(lead, live_server, "Liz Listings")
    lead.get_by_role("link", name="Problems reported on your services' pages").click()
    expect(lead.locator("main")).to_contain_text("The phone number rings a fish and chip shop.")
    expect(lead.locator("main")).to_contain_text(SENDIASS)
    assert_accessible(lead)
