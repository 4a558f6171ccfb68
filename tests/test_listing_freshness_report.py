"""Listings by freshness: active services by when they were last checked (assured date, else the latest revision's
England date), per type of help, against a hand-built set; no suppression (listings are not about children)."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import delete, func, select

from directory.models import District, ListingRevision, Service, ServiceArea, ServiceAttribute, Taxonomy, TaxonomyTerm
from directory.models.taxonomy import CATEGORIES
from directory.reports import listing_freshness
from directory.reports.cells import cell_text
from directory.reports.model import Filters

# Reminders' thresholds from 1 December 2026: 3 months back is 1 September, 6 months 1 June, 12 months 1 December
# 2025.
TODAY = date(2026, 12, 1)


@pytest.fixture
def built(db_session):
    """Nine seeded active services, in two new types of help, with these last-checked dates:
    A 15 Nov 2026 and B 1 Sep 2026: in the last 3 months (B on the boundary);
    C 31 Aug 2026 and D 1 Jun 2026 (on the boundary: not yet out of date): 3 to 6 months;
    E 31 May 2026: 6 to 12 months;
    F no assured date, latest revision 30 Nov 2025: over a year;
    G no assured date and no revision: never;
    I no assured date, latest revision at 23:30 UTC on 31 May 2026, which is 1 June in England (BST): 3 to 6 months;
    H assured last week but inactive: not counted.
    "Test one" has all nine (H does not count: inactive); "Test two" has A and G. Of them, only A and C cover
    Cannock Chase."""
    rows = db_session.exec(select(Service).where(Service.status == "active").order_by(Service.slug).limit(9)).all()
    services = dict(zip("ABCDEFGIH", rows, strict=True))
    dates = {"A": date(2026, 11, 15), "B": date(2026, 9, 1), "C": date(2026, 8, 31), "D": date(2026, 6, 1),
             "E": date(2026, 5, 31), "F": None, "G": None, "I": None, "H": date(2026, 11, 24)}
    for key, service in services.items():
        service.assured_date = dates[key]
    services["H"].status = "inactive"
    ids = [service.id for service in services.values()]
    db_session.exec(delete(ListingRevision).where(ListingRevision.service_id.in_([services[k].id for k in "GFI"])))
    for key, at in (("F", datetime(2025, 11, 30, 12, tzinfo=UTC)), ("F", datetime(2025, 6, 1, 12, tzinfo=UTC)),
                    ("I", datetime(2026, 5, 31, 23, 30, tzinfo=UTC))):
        number = db_session.exec(select(func.count()).select_from(ListingRevision)
                                 .where(ListingRevision.service_id == services[key].id)).one() + 1
        db_session.add(ListingRevision(service_id=services[key].id, number=number, directory_revision=1,
                                       source="test", document={}, created_at=at))
    taxonomy = db_session.exec(select(Taxonomy).where(Taxonomy.slug == CATEGORIES)).one()
    one = TaxonomyTerm(taxonomy_id=taxonomy.id, code="test-one", name="Test one", description="", position=998)
    two = TaxonomyTerm(taxonomy_id=taxonomy.id, code="test-two", name="Test two", description="", position=999)
    db_session.add_all([one, two])
    db_session.flush()
    for key in "ABCDEFGIH":
        db_session.add(ServiceAttribute(service_id=services[key].id, taxonomy_term_id=one.id, link_type="category"))
    for key in "AG":
        db_session.add(ServiceAttribute(service_id=services[key].id, taxonomy_term_id=two.id, link_type="category"))
    db_session.exec(delete(ServiceArea).where(ServiceArea.service_id.in_(ids)))
    cannock = db_session.exec(select(District).where(District.slug == "cannock-chase")).one()
    for key in "AC":
        db_session.add(ServiceArea(service_id=services[key].id, district_id=cannock.id))
    db_session.commit()
    return services, one, two, cannock


def _rows(report) -> dict[str, list[str]]:
    return {row[0]: [cell_text(cell) for cell in row[1:]] for row in report.sections[0].table.rows}


def test_bands_of_one_type_of_help(db_session, built):
    _, one, _, _ = built
    report = listing_freshness.build(db_session, Filters(category_id=one.id), TODAY)
    assert report.sections[0].table.header == [
        "Type of help", "Checked in the last 3 months", "3 to 6 months ago", "6 to 12 months ago", "Over a year ago",
        "Never checked", "Total"]
    # A, B | C, D, I | E | F | G: 2, 3, 1, 1, 1 = 8 (H is inactive).
    assert _rows(report) == {"Test one": ["2", "3", "1", "1", "1", "8"],
                             "All active services (each counted once)": ["2", "3", "1", "1", "1", "8"]}
    assert [[cell_text(v) for v in bar.values] for bar in report.sections[0].chart.bars] == [["2", "3", "1", "1", "1"]]


def test_a_service_in_two_types_of_help_counts_in_both_but_once_in_the_total(db_session, built):
    services, _, _, _ = built
    report = listing_freshness.build(db_session, Filters(), TODAY)
    rows = _rows(report)
    assert rows["Test one"] == ["2", "3", "1", "1", "1", "8"]
    assert rows["Test two"] == ["1", "0", "0", "0", "1", "2"]  # A and G
    active = db_session.exec(select(func.count()).select_from(Service).where(Service.status == "active")).one()
    total = rows["All active services (each counted once)"]
    assert int(total[-1]) == active
    assert sum(int(v) for v in total[:-1]) == active
    category_rows = [values for name, values in rows.items() if not name.startswith("All active")]
    assert sum(int(values[-1]) for values in category_rows) >= active
    assert any("counted under each" in note for note in report.sections[0].notes)
    assert report.uses == listing_freshness.USES == ("district", "category")


def test_district_filter_counts_services_covering_it(db_session, built):
    _, one, two, cannock = built
    report = listing_freshness.build(db_session, Filters(category_id=one.id, district_id=cannock.id), TODAY)
    # A (last 3 months) and C (3 to 6 months).
    assert _rows(report)["Test one"] == ["1", "1", "0", "0", "0", "2"]
    report = listing_freshness.build(db_session, Filters(category_id=two.id, district_id=cannock.id), TODAY)
    assert _rows(report)["Test two"] == ["1", "0", "0", "0", "0", "1"]


def test_small_numbers_are_shown(db_session, built):
    _, one, _, _ = built
    report = listing_freshness.build(db_session, Filters(category_id=one.id), TODAY)
    assert "fewer than 5" not in str(_rows(report))
