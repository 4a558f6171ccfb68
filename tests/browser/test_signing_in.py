"""Signing in with a second factor in a real browser at phone width, with axe on every page."""

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.test_tell_it_once import sign_in
from tests.helpers.people import PASSWORD

pytestmark = pytest.mark.browser


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_staff_set_up_a_second_factor_and_signs_in_with_it(page: Page, live_server):
    sign_in(page, live_server, "Sam Staff")
    page.get_by_role("link", name="Set up a second factor").click()
    expect(heading(page)).to_have_text("Set up a second factor")
    assert_accessible(page)
    page.get_by_text("I cannot scan the code").click()
    totp = pyotp.TOTP(page.locator(".app-setup-key").inner_text().strip())
    page.get_by_label("Security code").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit security code")
    assert_accessible(page)
    page.get_by_label("Security code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Save your recovery codes")
    assert_accessible(page)
    recovery = page.locator(".app-recovery-codes code").first.inner_text()
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.locator("main")).to_contain_text("Your second factor is on")
    page.get_by_role("button", name="Sign out").click()

    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(live_server.people["Sam Staff"])
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Enter your security code")
    assert_accessible(page)
    page.get_by_role("link", name="I cannot use my authenticator app").click()
    expect(heading(page)).to_have_text("Enter a recovery code")
    assert_accessible(page)
    page.get_by_label("Recovery code").fill(recovery)
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("9 recovery codes left")

    page.get_by_role("link", name="Change your password").click()
    expect(heading(page)).to_have_text("Change your password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your current password")
    assert_accessible(page)
