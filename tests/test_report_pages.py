"""The admin report pages: the list, one report with its filter form (bad input gives GOV.UK errors, never a 500),
charts drawn as accessible SVG with the table of the same figures, and each table as a spreadsheet-safe CSV."""

import csv
import io

import pytest

from directory.listings.freshness import months_before
from directory.models.accounts import utcnow
from directory.reports import catalogue
from directory.reports.model import Bar, BarChart, Filters, LineChart, Report, Section, Table
from directory.reports.suppression import Count, count
from directory.working_days import local_date
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in


def _test_report(session, filters: Filters, today) -> Report:
    """A report with every kind of cell: a hidden count, no figure, a would-be formula, a target marker, a line."""
    counts = Table("Referrals by service", ["Service", "Sent", "Declined"],
                   [['=HYPERLINK("http://example.com")', count(7), count(2)], ["-minus", count(12), count(3)],
                    ["Plain", None, count(0)]])
    chart = BarChart("Referrals by service", "A bar for each service, sent and declined.", "referrals",
                     ["Sent", "Declined"],
                     [Bar(str(row[0]), [row[1], row[2]], marker=10) for row in counts.rows], marker_label="Target")
    side = BarChart("Side by side", "Sent and declined side by side.", "referrals", ["Sent", "Declined"],
                    [Bar(str(row[0]), [row[1], row[2]]) for row in counts.rows], stacked=False)
    echo = Table("The filters the report was given", ["Filter", "Value"], [
        ["From", filters.start.isoformat() if filters.start else "none"],
        ["To", filters.end.isoformat() if filters.end else "none"],
        ["District", str(filters.district_id) if filters.district_id else "all"],
        ["Category", str(filters.category_id) if filters.category_id else "all"]])
    trend = Table("Median weeks by month", ["Month", "Median weeks"], [["Jan", 2.5], ["Feb", None], ["Mar", 4.0]])
    line = LineChart("Median weeks by month", "A line of the median wait each month.", "weeks",
                     ["Jan", "Feb", "Mar"], [("Median weeks", [2.5, None, 4.0])])
    return Report("test-report", "Test report", "A report for the tests.", [
        Section("counts", "Counts", counts, chart, ["A note."]), Section("side", "Side by side", counts, side),
        Section("filters", "Filters", echo), Section("trend", "Trend", trend, line)])


@pytest.fixture
def test_report(monkeypatch):
    entry = catalogue.Entry("test-report", "Test report", "For the tests.", _test_report)
    monkeypatch.setitem(catalogue.REPORTS, entry.slug, entry)
    return entry


@pytest.fixture
def admin_client(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["admin"]))
    return client


def _table(section) -> list[list[str]]:
    return [[text_of(cell) for cell in row.select("th, td")] for row in section.select("tbody tr")]


def _section(page, slug):
    return page.soup.select_one(f"section[aria-labelledby='report-test-report-{slug}-heading']")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_list_and_every_report_render_for_admins_and_information_governance(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    for role in ("admin", "information_governance"):
        client = app.test_client()
        sign_in(client, make_user(db_session, [role]))
        listed = client.get("/admin/reports")
        assert listed.status_code == 200
        links = [a["href"] for a in listed.soup.select("main a.govuk-link")]
        for slug in catalogue.REPORTS:
            assert f"/admin/reports/{slug}" in links
            page = client.get(f"/admin/reports/{slug}")  # CheckedClient: one h1, title, unique ids
            assert page.status_code == 200, slug
            for section in page.soup.select("section.app-report-section"):
                if "Nothing to show for these filters" in section.get_text():
                    assert section.select_one("table") is None  # an empty section says so, no empty table
                    continue
                assert section.select_one("table caption")
                href = section.select_one("a[download]")["href"]
                assert client.get(href).mimetype == "text/csv"
        home = client.get("/your-account")
        assert home.soup.select_one("a[href='/admin/reports']")


def test_other_roles_and_anonymous_visitors_are_refused(app, db_session, test_report):
    app.config["WTF_CSRF_ENABLED"] = False
    anonymous = app.test_client()
    assert anonymous.get("/admin/reports/test-report").headers["Location"].startswith("/sign-in")
    for role in ("key_worker", "service_lead", "family"):
        client = app.test_client()
        sign_in(client, make_user(db_session, [role]))
        for path in ("/admin/reports", "/admin/reports/test-report", "/admin/reports/test-report/counts.csv"):
            assert client.get(path).status_code == 403, (role, path)


def test_unknown_report_or_section_is_a_404(admin_client, test_report):
    assert admin_client.get("/admin/reports/no-such-report").status_code == 404
    assert admin_client.get("/admin/reports/no-such-report/counts.csv").status_code == 404
    assert admin_client.get("/admin/reports/test-report/no-such-section.csv").status_code == 404


def test_default_dates_are_the_twelve_months_up_to_today(admin_client, test_report):
    today = local_date(utcnow())
    page = admin_client.get("/admin/reports/test-report")
    assert _table(_section(page, "filters")) == [["From", months_before(today.replace(day=1), 11).isoformat()],
                                                 ["To", today.isoformat()], ["District", "all"], ["Category", "all"]]
    assert page.soup.select_one("input[name=date_from]")["value"] == f"{months_before(today.replace(day=1), 11):%d}"
    assert "Showing: " in text_of(page.soup)


def test_filters_reach_the_report_and_the_csv(admin_client, db_session, test_report):
    from directory import people
    from directory.data.taxonomy import list_terms

    district = people.list_districts(db_session)[0]
    term = list_terms(db_session, "service-categories")[0]
    query = (f"date_from=1&date_from=2&date_from=2026&date_to=28&date_to=2&date_to=2026"
             f"&district={district.slug}&category={term.code}")
    page = admin_client.get(f"/admin/reports/test-report?{query}")
    expected = [["From", "2026-02-01"], ["To", "2026-02-28"], ["District", str(district.id)],
                ["Category", str(term.id)]]
    assert _table(_section(page, "filters")) == expected
    assert f"Showing: 1 February 2026 to 28 February 2026, {district.name}, {term.name}." in text_of(page.soup)
    link = _section(page, "filters").select_one("a[download]")["href"]
    assert f"district={district.slug}" in link and "date_from=2026" in link
    assert _csv(admin_client.get(link)) == [["Filter", "Value"], *expected]


@pytest.mark.parametrize(("query", "message"), [
    ("date_from=31&date_from=2&date_from=2026", "Date from must be a real date"),
    ("date_from=1&date_from=&date_from=", "Date from must be a real date"),
    ("date_to=1&date_to=1&date_to=26", "Year must include 4 numbers"),
    ("date_from=x&date_from=%EF%BC%91&date_from=2026", "Date from must be a real date"),
    ("date_from=2&date_from=3&date_from=2026&date_to=1&date_to=3&date_to=2026",
     "Date to must be the same as or after date from"),
    ("district=nowhere", "Select a district from the list"),
    ("category=%3Cscript%3E", "Select a type of help from the list"),
])
def test_bad_filters_give_an_error_and_no_figures(admin_client, test_report, query, message):
    page = admin_client.get(f"/admin/reports/test-report?{query}")
    assert page.status_code == 200
    assert message in text_of(page.soup.select_one(".govuk-error-summary"))
    assert page.soup.title.get_text().startswith("Error: Test report")
    assert not page.soup.select("section.app-report-section")
    assert "Correct the filters to see the report" in text_of(page.soup)
    download = admin_client.get(f"/admin/reports/test-report/counts.csv?{query}")
    assert download.status_code == 302 and download.headers["Location"].startswith("/admin/reports/test-report")


def test_a_report_shows_only_the_filters_it_reads(admin_client):
    page = admin_client.get("/admin/reports/listing-freshness?date_from=99&date_from=99&date_from=1")
    assert page.status_code == 200 and not page.soup.select(".govuk-error-summary")
    assert not page.soup.select("input[name=date_from]")
    assert page.soup.select("select[name=district]") and page.soup.select("select[name=category]")
    waits = admin_client.get("/admin/reports/key-worker-waits?district=nowhere")
    assert not waits.soup.select("form select") and not waits.soup.select(".govuk-error-summary")


def test_csv_is_a_download_with_every_cell_made_safe(admin_client, test_report):
    response = admin_client.get("/admin/reports/test-report/counts.csv")
    assert response.mimetype == "text/csv"
    today = local_date(utcnow())
    assert response.headers["Content-Disposition"] == f'attachment; filename="test-report-counts-{today}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert _csv(response) == [["Service", "Sent", "Declined"],
                              ["'=HYPERLINK(\"http://example.com\")", "7", "fewer than 5"],
                              ["'-minus", "12", "fewer than 5"], ["Plain", "–", "0"]]


def test_the_chart_is_an_accessible_svg_with_the_tables_figures(admin_client, test_report):
    page = admin_client.get("/admin/reports/test-report")
    section = _section(page, "counts")
    svg = section.select_one("svg")
    chart_id = svg["id"]
    assert svg["role"] == "img" and svg["width"] == "100%" and svg["viewbox"].startswith("0 0 400 ")
    assert svg["aria-labelledby"] == f"{chart_id}-title {chart_id}-desc"
    assert text_of(svg.select_one(f"#{chart_id}-title")) == "Referrals by service"
    assert text_of(svg.select_one(f"#{chart_id}-desc")) == "A bar for each service, sent and declined."
    # The table: a caption, headers for columns and rows, figures right-aligned, hidden counts in words.
    assert text_of(section.select_one("caption")) == "Referrals by service"
    assert [th["scope"] for th in section.select("thead th")] == ["col"] * 3
    assert [row.select_one("th")["scope"] for row in section.select("tbody tr")] == ["row"] * 3
    assert all("govuk-table__cell--numeric" in td["class"] for td in section.select("tbody td"))
    table = _table(section)
    assert table == [['=HYPERLINK("http://example.com")', "7", "fewer than 5"], ["-minus", "12", "fewer than 5"],
                     ["Plain", "–", "0"]]
    # The chart's figures are the table's: every drawn mark names its row, series and value.
    drawn = {}
    for mark in svg.select("[data-value]"):
        drawn.setdefault(mark["data-bar"], {})[mark["data-series"]] = mark["data-value"]
    expected = {row[0]: {series: value for series, value in zip(["Sent", "Declined"], row[1:], strict=True)
                         if value not in ("–", "0")} for row in table}
    assert drawn == {label: values for label, values in expected.items() if values}  # no figure, no mark
    # A hidden count is a hatched mark of one fixed width, whatever the count (2 and 3 here).
    hidden = svg.select("rect[data-hidden]")
    assert [mark["data-value"] for mark in hidden] == ["fewer than 5", "fewer than 5"]
    assert {mark["width"] for mark in hidden} == {"24"}
    assert {mark["fill"] for mark in hidden} == {f"url(#{chart_id}-hidden)"}
    assert svg.select_one(f"pattern#{chart_id}-hidden line")
    legend = [text_of(text) for text in svg.select("text")]
    assert {"Sent", "Declined", "Target", "Fewer than 5: not shown"} <= set(legend)
    assert [line["data-marker"] for line in svg.select("line[data-marker]")] == ["10", "10", "10"]
    # Series differ by pattern as well as colour.
    sent, declined = [swatch["fill"] for swatch in svg.select("svg > rect:not([data-value])")][:2]  # the legend
    assert sent.startswith("#") and declined == f"url(#{chart_id}-series-1)"
    assert {mark["fill"] for mark in svg.select("rect[data-series=Sent]")} == {sent}
    assert section.select_one("a[download]")["href"] == "/admin/reports/test-report/counts.csv"
    # Side by side: the hidden counts are the same fixed mark; the shown ones are as long as their values.
    side = _section(page, "side").select_one("svg")
    assert side["id"] != chart_id
    assert {mark["width"] for mark in side.select("rect[data-hidden]")} == {"24"}
    widths = {mark["data-value"]: float(mark["width"]) for mark in side.select("rect[data-value]:not([data-hidden])")}
    assert widths["12"] == pytest.approx(widths["7"] * 12 / 7, abs=0.2)


def test_a_line_chart_draws_each_figure_and_leaves_gaps(admin_client, test_report):
    page = admin_client.get("/admin/reports/test-report")
    section = _section(page, "trend")
    svg = section.select_one("svg[role=img]")
    assert [mark["data-value"] for mark in svg.select("[data-value]")] == ["2.5", "4"]
    assert not svg.select("polyline")  # no line across the month without a figure
    assert _table(section) == [["Jan", "2.5"], ["Feb", "–"], ["Mar", "4"]]


def test_two_charts_on_one_page_have_their_own_ids(admin_client, test_report):
    page = admin_client.get("/admin/reports/test-report")
    ids = [svg["id"] for svg in page.soup.select("svg")]
    assert len(ids) == 3 and len(set(ids)) == 3
    patterns = [p["id"] for p in page.soup.select("pattern")]
    assert len(patterns) == len(set(patterns))


def test_hidden_count_words_in_the_table_and_chart_title(admin_client, test_report):
    page = admin_client.get("/admin/reports/test-report")
    titles = [text_of(t) for t in _section(page, "counts").select("rect[data-hidden] title")]
    assert sorted(titles) == ["-minus, Declined: fewer than 5",
                              '=HYPERLINK("http://example.com"), Declined: fewer than 5']
    assert str(Count(3, hidden=True)) == "fewer than 5"
