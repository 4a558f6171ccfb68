"""The public waiting-times page: every active service's own published wait and when it was updated, under each of
its types of help, as a chart and a table of the same figures; the same as CSV. No account needed."""

import csv
import io
from datetime import date

from sqlmodel import select

from directory.data.taxonomy import list_terms
from directory.models import Service, ServiceAttribute
from directory.models.taxonomy import CATEGORIES
from tests.helpers.pages import text_of
from tests.helpers.referrals import service


def _expected(db_session) -> dict[str, dict[str, tuple[str, str]]]:
    """{category code: {service name: (weeks as shown, updated as shown)}} for active services."""
    terms = {term.id: term.code for term in list_terms(db_session, CATEGORIES)}
    expected: dict[str, dict[str, tuple[str, str]]] = {}
    for term_id, row in db_session.exec(select(ServiceAttribute.taxonomy_term_id, Service)
                                        .join(Service, Service.id == ServiceAttribute.service_id)
                                        .where(ServiceAttribute.link_type == "category",
                                               Service.status == "active")):
        if term_id in terms:
            weeks = str(row.wait_weeks) if row.wait_weeks is not None else "Not published"
            updated = f"{row.wait_updated.day} {row.wait_updated:%B %Y}" if row.wait_updated else "–"
            expected.setdefault(terms[term_id], {})[row.name] = (weeks, updated)
    return expected


def _tables(soup) -> dict[str, dict[str, tuple[str, str]]]:
    found = {}
    for section in soup.select("section.app-report-section"):
        code = section["aria-labelledby"].removeprefix("waits-").removesuffix("-heading")
        rows = {}
        for row in section.select("tbody tr"):
            name = text_of(row.select_one("th"))
            weeks, updated = [text_of(cell) for cell in row.select("td")]
            rows[name] = (weeks, updated)
        found[code] = rows
    return found


def test_every_active_service_is_under_each_of_its_types_of_help(client, db_session):
    hidden = service(db_session, "autism-family-support")
    hidden.status = "inactive"
    changed = service(db_session, "early-help-family-support")
    changed.wait_weeks, changed.wait_updated = 7, date(2026, 11, 30)
    unpublished = db_session.exec(select(Service).where(Service.status == "active", Service.slug.not_in(
        [hidden.slug, changed.slug])).order_by(Service.slug)).first()
    unpublished.wait_weeks = unpublished.wait_updated = None
    db_session.commit()

    page = client.get("/waiting-times")
    assert page.status_code == 200
    expected = _expected(db_session)
    assert _tables(page.soup) == expected
    shown = text_of(page.soup)
    assert hidden.name not in shown
    early_help_codes = [code for code, rows in expected.items() if changed.name in rows]
    assert early_help_codes
    for code in early_help_codes:
        assert expected[code][changed.name] == ("7", "30 November 2026")
    assert {rows[unpublished.name] for rows in expected.values() if unpublished.name in rows} == {
        ("Not published", "–")}
    # Each service name links to its public page.
    link = page.soup.find("a", string=changed.name)
    assert link["href"] == f"/services/{changed.slug}"
    # The intro says whose figures these are.
    assert "waiting times that services publish themselves" in shown
    # Linked from every page's footer.
    assert page.soup.select_one("footer a[href='/waiting-times']")


def test_chart_bars_equal_the_table_figures(client, db_session):
    page = client.get("/waiting-times")
    svgs = page.soup.select("svg[role=img]")
    assert svgs and len({svg["id"] for svg in svgs}) == len(svgs)
    for section in page.soup.select("section.app-report-section"):
        svg = section.select_one("svg")
        assert svg.select_one("title").get("id") and svg.select_one("desc").get("id")
        assert svg["aria-labelledby"] == f"{svg['id']}-title {svg['id']}-desc"
        bars = [rect["data-value"] for rect in svg.select("rect[data-value]")]
        weeks = [text_of(row.select("td")[0]) for row in section.select("tbody tr")]
        assert bars == [w for w in weeks if w != "Not published"]
        assert not svg.select("[data-hidden]")  # published facts: nothing suppressed


def test_a_category_filter_shows_one_section_and_bad_values_an_error(client, db_session):
    term = list_terms(db_session, CATEGORIES)[0]
    page = client.get(f"/waiting-times?category={term.code}")
    assert [s["aria-labelledby"] for s in page.soup.select("section.app-report-section")] == \
        [f"waits-{term.code}-heading"]
    assert page.soup.h1.get_text(strip=True) == f"Waiting times: {term.name}"
    bad = client.get("/waiting-times?category=%3Cscript%3E")
    assert bad.status_code == 200
    assert "Select a type of help from the list" in text_of(bad.soup.select_one(".govuk-error-summary"))
    assert bad.soup.title.get_text().startswith("Error: ")
    assert len(bad.soup.select("section.app-report-section")) == len(_expected(db_session))


def test_csv_of_every_waiting_time_and_of_one_type_of_help(client, db_session):
    expected = _expected(db_session)
    names = {term.code: term.name for term in list_terms(db_session, CATEGORIES)}
    response = client.get("/waiting-times.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="waiting-times-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Type of help", "Service", "Waiting time (weeks)", "Updated"]
    assert sorted(rows[1:]) == sorted([names[code], name, weeks, updated] for code, found in expected.items()
                                      for name, (weeks, updated) in found.items())
    code = next(iter(expected))
    one = client.get(f"/waiting-times.csv?category={code}")
    rows = list(csv.reader(io.StringIO(one.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Service", "Waiting time (weeks)", "Updated"]
    assert sorted(rows[1:]) == sorted([name, *found] for name, found in expected[code].items())
    assert client.get("/waiting-times.csv?category=nonsense").status_code == 302
