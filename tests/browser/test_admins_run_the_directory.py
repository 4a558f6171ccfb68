"""Admins run the directory, in a real browser at phone width with axe on every page: an admin attaches an existing
account to a service (and that person then finds the listing among their services), opens a report with its chart
and table, and downloads the table as CSV; the public waiting-times page draws the same pattern for everyone."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.test_tell_it_once import sign_in

pytestmark = pytest.mark.browser

PORTAGE = "Early Years SEND and Portage"


def test_an_admin_attaches_an_account_to_a_service_and_reads_a_report_and_its_csv(open_page, live_server):
    admin = open_page()
    sign_in(admin, live_server, "Ada Admin")
    admin.get_by_role("link", name="People who use the service").click()
    assert_accessible(admin)
    admin.get_by_label("Name or email address").fill("Ola")
    admin.get_by_role("button", name="Search").click()
    assert_accessible(admin)
    admin.get_by_role("link", name="Ola Officer").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ola Officer")
    assert_accessible(admin)

    admin.get_by_role("link", name="Change services they lead").click()
    assert_accessible(admin)
    admin.get_by_label(PORTAGE).check()
    admin.get_by_role("button", name="Save services").click()
    expect(admin.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(admin.locator("main")).to_contain_text(PORTAGE)
    assert_accessible(admin)

    # The account they already had now leads the service: its listing is theirs to keep.
    officer = open_page()
    sign_in(officer, live_server, "Ola Officer")
    officer.get_by_role("link", name="Your services' listings").click()
    expect(officer.get_by_role("link", name=PORTAGE)).to_be_visible()
    assert_accessible(officer)

    # A report: a chart drawn on the server, the table of the same figures, and that table as CSV.
    admin.goto(f"{live_server}/your-account")
    admin.get_by_role("link", name="Reports").click()
    assert_accessible(admin)
    admin.get_by_role("link", name="Listings by when they were last checked").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Listings by when they were last checked")
    chart = admin.get_by_role("img").first
    expect(chart).to_be_visible()
    assert chart.evaluate("node => node.tagName") == "svg"
    table = admin.locator("table").first
    expect(table.locator("caption")).not_to_be_empty()
    assert_accessible(admin)
    with admin.expect_download() as download_info:
        admin.get_by_role("link", name="Download this table as CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith("listing-freshness-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    header_cells = [cell.inner_text().strip() for cell in table.locator("thead th").all()]
    assert rows[0] == header_cells
    body_rows = table.locator("tbody tr").all()
    assert len(rows) - 1 == len(body_rows)
    assert rows[1] == [cell.inner_text().strip() for cell in body_rows[0].locator("th, td").all()]


def test_families_see_every_services_published_wait_as_a_chart_and_a_table(page, live_server):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Waiting times").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.get_by_role("img").count() >= 1
    expect(page.locator("main table").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Aiming High")
    assert_accessible(page)
