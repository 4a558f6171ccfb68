"""Families waiting for a key worker: counts by district and time waited against a hand-built set, small numbers
suppressed with the totals that would give them away, the median wait, and one audit entry for each view."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from directory import people
from directory.models import AuditEntry, FamilyRecord, FamilySection
from directory.reports import key_worker_waits
from directory.reports.cells import cell_text
from directory.reports.model import Filters
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

TODAY = date(2026, 12, 1)


@pytest.fixture
def waiting(db_session):
    """The hand-built set (today is 1 December 2026; times are UTC, England is on GMT in November):
    East Staffordshire: 6 waiting since 30 Nov (1 day), 1 since 24 Nov (7 days), 1 since 18 Nov (13 days).
    Cannock Chase: 5 since 31 Aug (92 days: over 3 months, as 31 Aug is before 1 Sep), 1 since 1 Sep (91 days:
    exactly 3 months, so "4 weeks to 3 months").
    No district: 1 with no child section, since 17 Nov (14 days: "2 to 4 weeks").
    Not counted: a closed record with no key worker, and a record with a key worker."""
    assert key_worker_waits.waits(db_session, TODAY) == []  # the seeded database has no waiting families
    creator = make_user(db_session, ["key_worker"])
    number = 0

    def family(changed: datetime, district: str | None, **columns) -> FamilyRecord:
        nonlocal number
        number += 1
        record = FamilyRecord(reference=f"FAM-WAIT-{number:04d}", created_by_id=creator.id,
                              key_worker_changed_at=changed, **columns)
        db_session.add(record)
        db_session.flush()
        if district:
            db_session.add(FamilySection(record_id=record.id, section="child",
                                         data={"first_name": "Sam", "district": district}))
        return record

    for _ in range(6):
        family(datetime(2026, 11, 30, 9, tzinfo=UTC), "east-staffordshire")
    family(datetime(2026, 11, 24, 9, tzinfo=UTC), "east-staffordshire")
    family(datetime(2026, 11, 18, 9, tzinfo=UTC), "east-staffordshire")
    for _ in range(5):
        family(datetime(2026, 8, 31, 9, tzinfo=UTC), "cannock-chase")
    family(datetime(2026, 9, 1, 9, tzinfo=UTC), "cannock-chase")
    family(datetime(2026, 11, 17, 9, tzinfo=UTC), None)
    family(datetime(2026, 11, 1, 9, tzinfo=UTC), "cannock-chase", closed_at=datetime(2026, 11, 20, tzinfo=UTC))
    family(datetime(2026, 11, 1, 9, tzinfo=UTC), "cannock-chase", key_worker_id=creator.id)
    db_session.commit()


def _rows(report):
    return [[cell_text(cell) for cell in row] for row in report.sections[0].table.rows]


def test_counts_by_district_and_wait_suppressed(db_session, waiting):
    report = key_worker_waits.build(db_session, Filters(), TODAY)
    section = report.sections[0]
    assert section.table.header == ["District", "Under 1 week", "1 to 2 weeks", "2 to 4 weeks",
                                    "4 weeks to 3 months", "Over 3 months", "Total"]
    rows = {row[0]: row[1:] for row in _rows(report)}
    # East Staffordshire: 6 shown, 2 hidden; its total 8 would give the 2 away (8 - 6): not shown.
    assert rows["East Staffordshire"] == ["6", "fewer than 5", "0", "0", "0", "not shown"]
    # Cannock Chase: 1 hidden, 5 shown; total 6 would give the 1 away: not shown.
    assert rows["Cannock Chase"] == ["0", "0", "0", "fewer than 5", "5", "not shown"]
    # No district: 1, and its total is 1 itself.
    assert rows["Not known"] == ["0", "0", "fewer than 5", "0", "0", "fewer than 5"]
    for district in people.list_districts(db_session):
        if district.slug not in ("east-staffordshire", "cannock-chase"):
            assert rows[district.name] == ["0"] * 6
    # Columns: 6 | 2 (small) | 1 (small) | 1 (small) | 5. Grand total 15: three rows and three columns hidden,
    # never exactly one in a group, so 15 less the shown figures (6 + 5) leaves 4 spread over three cells.
    assert rows["All districts"] == ["6", "fewer than 5", "fewer than 5", "fewer than 5", "5", "15"]
    assert list(rows)[-2:] == ["Not known", "All districts"]
    # Days waited, sorted: 1 x6, 7, 13, 14, 91, 92 x5: 15 values, the 8th is 13.
    assert section.notes[0] == "The median wait is 13 days, over 15 families (half have waited longer, half less)."
    # The chart holds the cells (not the totals) of each district.
    bars = {bar.label: [cell_text(v) for v in bar.values] for bar in section.chart.bars}
    assert bars["East Staffordshire"] == rows["East Staffordshire"][:5]
    assert "All districts" not in bars


def test_under_five_families_gives_no_median(db_session):
    creator = make_user(db_session, ["key_worker"])
    for number in range(3):
        db_session.add(FamilyRecord(reference=f"FAM-FEW-{number:04d}", created_by_id=creator.id,
                                    key_worker_changed_at=datetime(2026, 11, 20, tzinfo=UTC)))
    db_session.commit()
    report = key_worker_waits.build(db_session, Filters(), TODAY)
    assert report.sections[0].notes[0] == "Fewer than 5 families are waiting, so the median wait is not shown."
    assert _rows(report)[-1] == ["All districts", "0", "fewer than 5", "0", "0", "0", "fewer than 5"]


def test_the_page_is_audited_once_and_shows_no_family(app, db_session, waiting, monkeypatch):
    # The page counts waits up to today: the same fixed day as the hand-built set.
    monkeypatch.setattr("directory.web.admin.reports._today", lambda: TODAY)
    admin = make_user(db_session, ["admin"])
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, admin)
    page = client.get("/admin/reports/key-worker-waits")
    assert page.status_code == 200
    assert "Sam" not in text_of(page.soup) and "FAM-WAIT" not in text_of(page.soup)
    assert "The median wait is 13 days" in text_of(page.soup)
    hidden = page.soup.select("svg rect[data-hidden]")
    assert {rect["width"] for rect in hidden} == {"24"}
    entries = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == admin.id,
                                                       AuditEntry.action == "report")).all()
    assert [(e.object_type, e.object_id, e.detail) for e in entries] == [("report", None,
                                                                          {"report": "key-worker-waits"})]
    download = client.get("/admin/reports/key-worker-waits/by-district.csv")
    assert download.status_code == 200
    assert "East Staffordshire,6,fewer than 5,0,0,0,not shown" in download.get_data(as_text=True)
    entries = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == admin.id,
                                                       AuditEntry.action == "report")).all()
    assert sorted((e.detail.get("section") or "") for e in entries) == ["", "by-district"]
