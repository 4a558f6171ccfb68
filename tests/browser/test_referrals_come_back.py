"""Referrals that come back, in a real browser at phone width with axe on every page: a lead answers from the
inbox, the key worker answers the lead's question, the family sees where their referral is, and a declined
referral is re-routed in one step."""

import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from directory.models import FamilyAccess
from tests.browser.axe import assert_accessible
from tests.browser.test_tell_it_once import complete_record, consent_and_send, sign_in

pytestmark = pytest.mark.browser

PATHWAY = "CAMHS autism (ASD) pathway – North Staffordshire"
CAMHS = "Specialist CAMHS – South Staffordshire"
WELLBEING = "Staffordshire Emotional Health and Wellbeing Service"


def open_referral_from_inbox(page: Page, live_server, lead: str, reference: str) -> None:
    sign_in(page, live_server, lead)
    page.get_by_role("link", name="Referrals to your services").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referrals to")
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral to")
    assert_accessible(page)


def act(page: Page, button: str, fill=None, done: str = "") -> None:
    """Open a change's form from the referral page, fill it, send it and see the confirmation."""
    page.get_by_role("button", name=button, exact=True).or_(page.get_by_role("link", name=button, exact=True)) \
        .first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(button)
    assert_accessible(page)
    if fill:
        fill(page)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(done)
    assert_accessible(page)


def test_a_lead_asks_the_key_worker_answers_and_the_family_sees_the_waiting_list(open_page, live_server):
    # The key worker refers a child in Newcastle-under-Lyme to the autism pathway and to early help.
    kim = open_page()
    sign_in(kim, live_server, "Kim Keyworker")
    kim.get_by_role("link", name="Families you work with").click()
    kim.get_by_role("button", name="Start a new family record").click()
    record_id = uuid.UUID(kim.url.rstrip("/").rsplit("/", 1)[1])
    complete_record(kim, postcode="ST5 1AA", district="Newcastle-under-Lyme")
    kim.get_by_role("link", name="See services for this child").click()
    kim.get_by_label(PATHWAY).check()
    consent_and_send(kim, 1)
    with Session(live_server.app.extensions["db"].engine) as session:
        from directory.accounts import get_user_by_email
        family = get_user_by_email(session, live_server.people["Fay Family"])
        session.add(FamilyAccess(record_id=record_id, user_id=family.id))
        session.commit()
    kim.goto(f"{live_server}/families/{record_id}")
    kim.get_by_role("link", name=PATHWAY).click()
    reference = kim.locator(".govuk-caption-l").inner_text().removeprefix("Reference ").strip()

    # The pathway's lead opens it from the inbox and asks a question.
    lee = open_page()
    open_referral_from_inbox(lee, live_server, "Lee Lead", reference)
    expect(lee.locator("main")).to_contain_text("Kim Keyworker")
    expect(lee.locator("main")).to_contain_text("01632 960 123")
    expect(lee.locator("main")).to_contain_text("In the family's own words")
    act(lee, "Ask a question", lambda p: p.get_by_label("Your question").fill(
        "Has Sam had a hearing test in the last year?"), "Question sent")

    # The key worker answers it in the site.
    kim.reload()
    expect(kim.locator("#question")).to_be_visible()
    assert_accessible(kim)
    act(kim, "Answer the question", lambda p: p.get_by_label("Your answer").fill(
        "Yes, in March: his hearing is fine."), "Answer sent")
    expect(kim.locator("#timeline")).to_be_visible()
    expect(kim.locator("main")).to_contain_text("Has Sam had a hearing test in the last year?")

    # The lead accepts it, then puts the child on the waiting list.
    lee.reload()
    expect(lee.locator("main")).to_contain_text("Yes, in March: his hearing is fine.")
    act(lee, "Accept the referral", None, "Referral accepted")
    act(lee, "Put on the waiting list", lambda p: p.get_by_label(
        "How many weeks is the wait expected to be?").fill("18"), "Put on the waiting list")

    # The family signs in and sees where the referral is, in plain English, with a while-you-wait service.
    fay = open_page()
    sign_in(fay, live_server, "Fay Family")
    fay.get_by_role("link", name="Your family record and referrals").click()
    assert_accessible(fay)
    fay.goto(f"{live_server}/families/{record_id}")
    assert_accessible(fay)
    fay.get_by_role("link", name=PATHWAY).click()
    expect(fay.locator("#status-words")).to_have_text(
        "On the waiting list. They expect to see your child in about 18 weeks.")
    expect(fay.locator("#key-worker")).to_have_text("Your key worker")
    main = fay.locator("main")
    for words in ("Kim Keyworker", "01632 960 123", "While you wait", "Autism family support"):
        expect(main).to_contain_text(words)
    expect(main).not_to_contain_text("Lee Lead")  # a member of staff the family has not met
    expect(main).not_to_contain_text("waiting_list")
    assert_accessible(fay)



def test_a_declined_referral_is_rerouted_in_one_step(open_page, live_server):
    # A child in East Staffordshire with social, emotional and mental health needs is referred to specialist CAMHS.
    kim = open_page()
    sign_in(kim, live_server, "Kim Keyworker")
    kim.get_by_role("link", name="Families you work with").click()
    kim.get_by_role("button", name="Start a new family record").click()
    record_id = kim.url.rstrip("/").rsplit("/", 1)[1]
    complete_record(kim, need="SEMH", suspected=None)
    kim.get_by_role("link", name="See services for this child").click()
    kim.get_by_label(CAMHS).check()
    consent_and_send(kim, 1)
    kim.goto(f"{live_server}/families/{record_id}")
    kim.get_by_role("link", name=CAMHS).click()
    reference = kim.locator(".govuk-caption-l").inner_text().removeprefix("Reference ").strip()

    # Its lead declines it with a reason.
    dee = open_page()
    open_referral_from_inbox(dee, live_server, "Dee Lead", reference)

    def decline(page: Page) -> None:
        page.get_by_label("Needs another service").check()
        page.get_by_label("Explain for the family and key worker").fill("Our wellbeing service suits this child.")

    act(dee, "Decline the referral", decline, "Referral declined")

    # The key worker sees the alternatives and sends the record on in one step, with consent.
    kim.reload()
    expect(kim.locator("#alternatives")).to_be_visible()
    expect(kim.locator("main")).to_contain_text("Our wellbeing service suits this child.")
    assert_accessible(kim)
    kim.get_by_role("button", name="Send the referral to another service").or_(
        kim.get_by_role("link", name="Send the referral to another service")).first.click()
    expect(kim.get_by_role("heading", level=1)).to_have_text("Send the referral to another service")
    assert_accessible(kim)
    kim.get_by_label(WELLBEING).check()
    kim.locator("input[name=given_by_0][value=parent_with_parental_responsibility]").check()
    kim.locator("input[name=method_0][value=written]").check()
    kim.get_by_label("Day", exact=True).fill("1")
    kim.get_by_label("Month", exact=True).fill("12")
    kim.get_by_label("Year", exact=True).fill("2026")
    kim.get_by_role("button", name="Send the referral").click()
    expect(kim.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(kim.get_by_role("heading", level=1)).to_have_text(f"Referral to {WELLBEING}")
    assert_accessible(kim)
    kim.goto(f"{live_server}/families/{record_id}")
    kim.get_by_role("link", name=CAMHS).click()
    expect(kim.locator("main")).to_contain_text(f"Sent to another service instead: {WELLBEING}")
