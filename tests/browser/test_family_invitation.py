"""A key worker invites the family to see its record, and the family follows the emailed link, in a real browser
at phone width with axe on every page."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE
from tests.browser.test_tell_it_once import (
    complete_record,
    consent_and_send,
    create_family_account,
    link_in_email,
    sign_in,
)
from tests.helpers.people import PASSWORD

pytestmark = pytest.mark.browser
FAMILY_ADDRESS = "robin.invited@example.org"
EXISTING_ADDRESS = "jo.existing@example.org"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def record_with_address(page: Page, address: str) -> None:
    """The key worker starts a complete record whose parent or carer has this email address."""
    page.get_by_role("link", name="Families you work with").click()
    page.get_by_role("button", name="Start a new family record").click()
    complete_record(page)
    page.get_by_role("link", name="Parents and carers").click()
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Save and continue").click()
    expect(heading(page)).to_have_text("Family record")


def invite_the_family(page: Page, address: str) -> None:
    page.get_by_role("link", name="Invite the family to see this record").click()
    expect(heading(page)).to_have_text("Invite the family to see this record")
    expect(page.locator("main")).to_contain_text(address)
    assert_accessible(page)
    page.get_by_role("button", name="Send the invitation").click()
    expect(heading(page)).to_have_text("Invitation sent")
    assert_accessible(page)


def test_key_worker_invites_the_family_who_sees_what_each_service_received(page: Page, browser, live_server):
    sign_in(page, live_server, "Kim Keyworker")
    record_with_address(page, FAMILY_ADDRESS)

    # The key worker sends a referral first, so there is something the family can check.
    page.get_by_role("link", name="See services for this child").click()
    expect(heading(page)).to_have_text("Services for this child")
    service = page.locator("input[name=services]").first
    service_name = page.locator(f"label[for='{service.get_attribute('id')}']").inner_text().strip()
    service.check()
    consent_and_send(page, 1)
    page.get_by_role("link", name="Back to the family record").click()
    expect(heading(page)).to_have_text("Family record")

    invite_the_family(page, FAMILY_ADDRESS)

    # The family, on their own phone, follows the link in the email and chooses a password.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    family = context.new_page()
    try:
        family.goto(link_in_email(live_server, FAMILY_ADDRESS))
        expect(heading(family)).to_have_text("Set up your account")
        assert_accessible(family)
        family.get_by_label("Choose a password").fill(PASSWORD)
        family.get_by_label("Enter the password again").fill(PASSWORD)
        family.get_by_role("button", name="Save password").click()
        expect(heading(family)).to_have_text("Family record")
        expect(family.locator("main")).to_contain_text("What each service received")
        assert_accessible(family)
        family.goto(live_server + "/your-account")
        family.get_by_role("button", name="Sign out").click()

        # Later, they sign in and open their record.
        family.goto(live_server + "/sign-in")
        family.get_by_label("Email address").fill(FAMILY_ADDRESS)
        family.get_by_role("textbox", name="Password").fill(PASSWORD)
        family.get_by_role("button", name="Sign in").click()
        expect(heading(family)).to_have_text("Your account")
        assert_accessible(family)
        family.get_by_role("link", name="Your family record and referrals").click()
        expect(heading(family)).to_have_text("Family records")
        expect(family.locator("main .govuk-list > li")).to_have_count(1)
        assert_accessible(family)
        family.get_by_role("link", name="Sam Jones").click()
        expect(heading(family)).to_have_text("Family record")
        received = family.locator("main")
        expect(received).to_contain_text("What each service received")
        expect(received).to_contain_text(service_name)
        expect(received.locator(".govuk-summary-list").first).to_contain_text("Child's first name")
        expect(received.locator(".govuk-summary-list").first).to_contain_text("Sam")
        expect(received).not_to_contain_text("Invite the family to see this record")
        assert_accessible(family)
    finally:
        context.close()


def test_a_family_with_an_account_signs_in_through_the_link_to_get_the_record(page: Page, browser, live_server):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    family = context.new_page()
    try:
        create_family_account(family, live_server, EXISTING_ADDRESS)
        family.get_by_role("button", name="Sign out").click()

        sign_in(page, live_server, "Kim Keyworker")
        record_with_address(page, EXISTING_ADDRESS)
        invite_the_family(page, EXISTING_ADDRESS)

        family.goto(link_in_email(live_server, EXISTING_ADDRESS))
        expect(heading(family)).to_have_text("Sign in")
        assert_accessible(family)
        family.get_by_label("Email address").fill(EXISTING_ADDRESS)
        family.get_by_role("textbox", name="Password").fill(PASSWORD)
        family.get_by_role("button", name="Sign in").click()
        expect(heading(family)).to_have_text("Add the family record to your account")
        assert_accessible(family)
        family.get_by_role("button", name="Add the record to my account").click()
        expect(heading(family)).to_have_text("Family record")
        expect(family.locator("main")).to_contain_text("The family record has been added to your account.")
        assert_accessible(family)
    finally:
        context.close()
