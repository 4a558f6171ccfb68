"""The tell-it-once journeys in a real browser, with axe on every page."""

import email
import email.policy
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.helpers.people import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server: str, name: str) -> None:
    page.goto(live_server + "/sign-in")
    assert_accessible(page)
    page.get_by_label("Email address").fill(live_server.people[name])
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family record")


def complete_record(page: Page, postcode: str = "DE14 1AA", district: str | None = None, need: str = "SLCN",
                    suspected: str | None = "autism") -> None:
    """Every section of the record; `district` is chosen when the postcode is in more than one."""
    page.get_by_role("link", name="About your child").click()
    assert_accessible(page)
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Jones")
    page.get_by_label("Day", exact=True).fill("14")
    page.get_by_label("Month", exact=True).fill("5")
    page.get_by_label("Year", exact=True).fill("2017")
    page.get_by_label("Address line 1").fill("1 High Street")
    page.get_by_label("Town or city").fill("Burton upon Trent")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("School year").select_option("4")
    page.locator("input[name=in_education][value=yes]").check()
    page.locator("input[name=ehcp][value=none]").check()
    page.locator("input[name=looked_after][value=no]").check()
    if district:
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Select which area you live in")
        assert_accessible(page)
        page.get_by_label(district, exact=True).check()
    save_and_continue(page)
    assert_accessible(page)

    page.get_by_role("link", name="Parents and carers").click()
    page.get_by_label("Your full name").fill("Alex Jones")
    page.get_by_label("Relationship to the child").fill("Mother")
    page.locator("input[name=parental_responsibility][value=yes]").check()
    page.get_by_label("Email address").fill("alex@example.org")
    page.get_by_label("Email", exact=True).check()
    page.locator("input[name=interpreter][value=no]").check()
    assert_accessible(page)
    save_and_continue(page)

    page.get_by_role("link", name="Needs and diagnoses").click()
    page.locator(f"input[name=needs][value={need}]").check()
    if suspected:
        page.locator(f"input[name=suspected][value={suspected}]").check()
    assert_accessible(page)
    save_and_continue(page)

    page.get_by_role("link", name="Professionals involved").click()
    page.get_by_label("GP surgery", exact=True).fill("Stapenhill Surgery, Burton")
    page.locator("input[name=other_1_role]").fill("Speech and language therapist")
    page.locator("input[name=other_1_organisation]").fill("Burton Hospitals")
    assert_accessible(page)
    save_and_continue(page)

    page.get_by_role("link", name="In your own words").click()
    page.get_by_label("What matters to us").fill("That Sam can say what he needs")
    page.get_by_label("What a good day looks like").fill("A calm morning and football after school")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your child's views")
    assert_accessible(page)
    page.get_by_label("Your child's own views").fill("I like trains. Loud rooms are hard.")
    save_and_continue(page)
    expect(page.locator(".govuk-task-list")).not_to_contain_text("Not started")
    assert_accessible(page)


def consent_and_send(page: Page, count: int) -> str:
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record consent")
    assert_accessible(page)
    for i in range(count):
        page.locator(f"input[name=given_by_{i}][value=parent_with_parental_responsibility]").check()
        page.locator(f"input[name=method_{i}][value=written]").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    assert_accessible(page)
    page.get_by_role("button", name="Send referrals").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Referrals sent")
    assert_accessible(page)
    return page.locator(".govuk-panel strong").inner_text()


def test_key_worker_refers_a_family_to_two_services_and_prints_a_summary_for_the_gp(page: Page, live_server):
    sign_in(page, live_server, "Kim Keyworker")
    page.get_by_role("link", name="Families you work with").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start a new family record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family record")
    assert_accessible(page)
    complete_record(page)
    page.get_by_role("link", name="See services for this child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services for this child")
    assert_accessible(page)
    # Community paediatrics takes referrals only from the GP, health visitor or a therapist: no box to tick, but a
    # summary to print for them, holding only what that service needs.
    expect(page.get_by_label("Community paediatrics and child development")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Ask the child's GP")
    page.get_by_role("link", name="Print a summary of the record for them (Community paediatrics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Summary for a referral to Community paediatrics and child development")
    expect(page.locator("main")).to_contain_text("14 May 2017")
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".govuk-header")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to the services").click()
    for name in ["Early Help family support", "Autism family support (before and after diagnosis)"]:
        page.get_by_label(name).check()
    reference = consent_and_send(page, 2)
    assert reference.startswith("REF-")
    expect(page.locator("main")).to_contain_text("Kim Keyworker")


def link_in_email(live_server, address: str) -> str:
    """Deliver the outbox to the local SMTP server and read the link in the newest email to this address."""
    live_server.send_emails()
    message = email.message_from_string(live_server.inbox.to(address)[-1], policy=email.policy.default)
    return re.search(re.escape(live_server) + r"/\S+", message.get_body(("plain",)).get_content()).group(0)


def create_family_account(page: Page, live_server, address: str) -> None:
    """A parent creates an account, confirms the address through the emailed link and chooses a password."""
    page.goto(live_server + "/sign-in")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Pat Parent")
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)
    page.goto(link_in_email(live_server, address))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a password")
    assert_accessible(page)
    page.get_by_label("Choose a password").fill("password1234")
    page.get_by_label("Enter the password again").fill("password1234")
    page.get_by_role("button", name="Save password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("too easy to guess")
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Enter the password again").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert_accessible(page)


def test_family_refers_itself_to_a_service_that_accepts_families(page: Page, live_server):
    create_family_account(page, live_server, "pat.parent@example.org")
    page.get_by_role("link", name="Your family record and referrals").click()
    page.get_by_role("button", name="Start a new family record").click()
    complete_record(page)
    page.get_by_role("link", name="See services for this child").click()
    assert_accessible(page)
    page.get_by_label("Early Help family support").check()
    consent_and_send(page, 1)
    # The family is told who its key worker is.
    expect(page.locator("main")).to_contain_text("Kim Keyworker")
