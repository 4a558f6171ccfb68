"""Families waiting for a key worker, and for how long: open records with no key worker, by district and by how long
since they were left without one (FamilyRecord.key_worker_changed_at). The district is read from the child section
as directory.allocation reads it; only counts leave this module, suppressed, with the totals that would give a small
count away. The page that shows it audits the view (directory.reports.catalogue.run)."""

from datetime import date

from sqlmodel import Session, select

from directory import allocation, people
from directory.listings.freshness import months_before
from directory.models import FamilyRecord
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table
from directory.reports.statistics import summarise
from directory.reports.suppression import suppress
from directory.working_days import local_date

SLUG = "key-worker-waits"
TITLE = "Families waiting for a key worker"
USES: tuple[str, ...] = ()
BANDS = ["Under 1 week", "1 to 2 weeks", "2 to 4 weeks", "4 weeks to 3 months", "Over 3 months"]
NOT_KNOWN = "Not known"


def band(since: date, today: date) -> int:
    days = (today - since).days
    if days < 7:
        return 0
    if days < 14:
        return 1
    if days < 28:
        return 2
    if since >= months_before(today, 3):
        return 3
    return 4


def waits(session: Session, today: date) -> list[tuple[str | None, int, int]]:
    """(district slug or None, band, days waited) for each open record with no key worker. The district is read
    with directory.allocation.district_of, as the admins' queue reads it."""
    districts = allocation.districts_by_slug(session)
    found = []
    for record_id, changed in session.exec(
            select(FamilyRecord.id, FamilyRecord.key_worker_changed_at)
            .where(FamilyRecord.key_worker_id.is_(None), FamilyRecord.closed_at.is_(None))).all():
        district = allocation.district_of(session, record_id, districts)
        since = local_date(changed)
        found.append((district.slug if district else None, band(since, today), max((today - since).days, 0)))
    return found


def build(session: Session, filters: Filters, today: date) -> Report:
    districts = people.list_districts(session)
    known = {district.slug for district in districts}
    grid = {slug: [0] * len(BANDS) for slug in [*known, None]}
    days = []
    for slug, index, waited in waits(session, today):
        grid[slug if slug in known else None][index] += 1
        days.append(waited)
    names = [(district.name, district.slug) for district in districts] + [(NOT_KNOWN, None)]
    suppressed = suppress([grid[slug] for _, slug in names])

    rows = [[name, *cells, total] for (name, _), cells, total in zip(names, suppressed.cells, suppressed.row_totals,
                                                                      strict=True)]
    rows.append(["All districts", *suppressed.column_totals, suppressed.grand_total])
    table = Table(caption="Families waiting for a key worker, by district and how long they have waited",
                  header=["District", *BANDS, "Total"], rows=rows)
    chart = BarChart(
        title="Families waiting for a key worker, by district",
        description="For each district, a bar split by how long families have waited for a key worker. Numbers "
                    "under 5 are not shown. The table below has the figures.",
        unit="families", series=list(BANDS), stacked=True,
        bars=[Bar(name, list(cells)) for (name, _), cells in zip(names, suppressed.cells, strict=True)])
    summary = summarise(days)
    if summary.median is None:
        median = ("Fewer than 5 families are waiting, so the median wait is not shown." if days
                  else "No families are waiting for a key worker.")
    else:
        median = (f"The median wait is {_days(summary.median)}, over {summary.count} families "
                  f"(half have waited longer, half less).")
    notes = [median,
             "A family's wait is counted from when they were last left without a key worker: when they asked for "
             "help themselves, or when their key worker was taken off the record.",
             "The district is the one the family gave for the child. \"Not known\" means the family has not given an "
             "address the site could place yet.",
             "Numbers from 1 to 4 show as \"fewer than 5\", and totals that would give them away as \"not shown\", "
             "so that no family can be picked out."]
    section = Section("by-district", "By district and time waited", table, chart, notes)
    return Report(SLUG, TITLE, "Open family records that have no key worker yet, as of today.", [section], USES)


def _days(value: float) -> str:
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return f"{text} day" if text == "1" else f"{text} days"
