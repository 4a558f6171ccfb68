"""Listings by freshness: active services by when their listing was last checked (the assured date a lead or admin
confirms, else the date of its latest revision), in bands that follow the reminders' thresholds
(directory.listings.freshness: leads are reminded at 6 months, admins told at 12), for each type of help.
Listings are published facts about services, not about children: nothing is suppressed."""

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from directory.data.taxonomy import list_terms
from directory.listings.freshness import ADMIN_MONTHS, LEAD_MONTHS, months_before
from directory.models import ListingRevision, Service, ServiceArea, ServiceAttribute
from directory.models.taxonomy import CATEGORIES
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table
from directory.working_days import local_date

SLUG = "listing-freshness"
TITLE = "Listings by when they were last checked"
USES = ("district", "category")
RECENT_MONTHS = 3
BANDS = [f"Checked in the last {RECENT_MONTHS} months", f"{RECENT_MONTHS} to {LEAD_MONTHS} months ago",
         f"{LEAD_MONTHS} to {ADMIN_MONTHS} months ago", "Over a year ago", "Never checked"]
NO_CATEGORY = "No type of help"


def last_checked(session: Session, services: list[Service]) -> dict[uuid.UUID, date | None]:
    """Each service's assured date, else the England date of its latest listing revision, else None."""
    ids = [service.id for service in services]
    latest = dict(session.exec(select(ListingRevision.service_id, func.max(ListingRevision.created_at))
                               .where(ListingRevision.service_id.in_(ids))
                               .group_by(ListingRevision.service_id)).all()) if ids else {}
    return {service.id: service.assured_date or (local_date(latest[service.id]) if service.id in latest else None)
            for service in services}


def band(checked: date | None, today: date) -> int:
    """The index in BANDS: a listing checked exactly 6 months ago is in "3 to 6 months" (not yet out of date, as
    the reminders judge it)."""
    if checked is None:
        return 4
    if checked >= months_before(today, RECENT_MONTHS):
        return 0
    if checked >= months_before(today, LEAD_MONTHS):
        return 1
    if checked >= months_before(today, ADMIN_MONTHS):
        return 2
    return 3


def build(session: Session, filters: Filters, today: date) -> Report:
    query = select(Service).where(Service.status == "active")
    if filters.district_id:
        query = query.where(Service.id.in_(select(ServiceArea.service_id)
                                           .where(ServiceArea.district_id == filters.district_id)))
    services = list(session.exec(query.order_by(Service.name)))
    checked = last_checked(session, services)
    bands = {service.id: band(checked[service.id], today) for service in services}

    terms = list_terms(session, CATEGORIES)
    categories: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for service_id, term_id in session.exec(
            select(ServiceAttribute.service_id, ServiceAttribute.taxonomy_term_id)
            .where(ServiceAttribute.link_type == "category",
                   ServiceAttribute.taxonomy_term_id.in_([term.id for term in terms]))):
        if service_id in bands:
            categories[term_id].append(service_id)

    rows: list[tuple[str, list[int]]] = []
    for term in terms:
        if filters.category_id and term.id != filters.category_id:
            continue
        counts = [0] * len(BANDS)
        for service_id in categories.get(term.id, []):
            counts[bands[service_id]] += 1
        if any(counts) or filters.category_id:
            rows.append((term.name, counts))
    in_scope = set(bands)
    if filters.category_id:
        in_scope = set(categories.get(filters.category_id, []))
    else:
        without = [service_id for service_id in bands
                   if not any(service_id in ids for ids in categories.values())]
        if without:
            counts = [0] * len(BANDS)
            for service_id in without:
                counts[bands[service_id]] += 1
            rows.append((NO_CATEGORY, counts))
    # Each service once, however many types of help it has.
    totals = [0] * len(BANDS)
    for service_id in in_scope:
        totals[bands[service_id]] += 1

    table = Table(
        caption="Active services by when their listing was last checked, for each type of help",
        header=["Type of help", *BANDS, "Total"],
        rows=[[name, *counts, sum(counts)] for name, counts in rows]
        + [["All active services (each counted once)", *totals, sum(totals)]],
    )
    chart = BarChart(
        title="Active services by when their listing was last checked",
        description="For each type of help, a bar split by how long ago its services' listings were last checked. "
                    "The table below has the figures.",
        unit="services", series=list(BANDS), stacked=True,
        bars=[Bar(name, list(counts)) for name, counts in rows])
    notes = ["A listing counts as checked on the date a service lead or an administrator last confirmed it, or, if "
             "nobody has, the date it last changed.",
             "A service with more than one type of help is counted under each, so the rows add up to more than the "
             "total of all active services."]
    section = Section("by-type-of-help", "By type of help", table, chart, notes)
    return Report(SLUG, TITLE,
                  f"Service leads are reminded to check a listing {LEAD_MONTHS} months after it was last checked, "
                  f"and administrators are told at {ADMIN_MONTHS} months.",
                  [section], USES)
