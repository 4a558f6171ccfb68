"""Waiting times over time: the waits services published, by category and month (from each listing's history),
and the days from sending a referral to the service accepting it."""

import statistics
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import District, ListingRevision, Referral, ReferralEvent, ServiceReferral
from directory.reports.model import Bar, BarChart, Filters, LineChart, Report, Section, Table
from directory.reports.referral_queries import (
    FIGURES_NOTE,
    between,
    categories,
    categories_of,
    month_label,
    month_of,
    next_month,
    number,
    referral_filters,
    start_of,
)
from directory.reports.statistics import summarise
from directory.working_days import local_date

slug = "waiting-times-over-time"
title = "Waiting times and time to acceptance"
# The statuses that mean the service has taken the referral on (directory.referrals.lifecycle ACTIONS): accepting
# it, putting it on the waiting list or offering an appointment, each of which can be the service's first yes.
# "closed" is not one: a referral is closed only after one of these. "acknowledged" is only "we are looking".
ACCEPTED = ("accepted", "waiting_list", "appointment_offered")
NO_CATEGORY = "No category"


def build(session: Session, filters: Filters, today: date) -> Report:
    return Report(slug=slug, title=title,
                  summary="The waiting times services published for each category, month by month, and how long "
                          "services took to accept referrals.",
                  sections=[published_waits(session, filters, today), time_to_acceptance(session, filters)])


def months_of(filters: Filters, today: date) -> tuple[list[date], date]:
    """The months of the range (the last 12 when it has no start) and its last day."""
    last = filters.end or today
    if filters.start is not None:
        first = month_of_day(filters.start)
    else:
        first = month_of_day(last)
        for _ in range(11):
            first = month_of_day(first - timedelta(days=1))
    months = [first]
    while months[-1] < month_of_day(last):
        months.append(next_month(months[-1]))
    return months, last


def month_of_day(day: date) -> date:
    return day.replace(day=1)


def published_waits(session: Session, filters: Filters, today: date) -> Section:
    months, last = months_of(filters, today)
    # No columns for months before anything was listed (a range starting in 1900 is not 1,500 empty columns).
    earliest = session.exec(select(func.min(ListingRevision.created_at))).one()
    if earliest is not None and len(months) > 1:
        months = [month for month in months if month >= month_of(earliest)] or months[-1:]
    # As each month ended, or as the range's last day ended when that is sooner.
    cutoffs = [min(start_of(next_month(month)), start_of(last + timedelta(days=1))) for month in months]
    document = ListingRevision.document
    # Only the few fields needed of each revision, read from the document in SQL (not whole listings).
    rows = session.exec(
        select(ListingRevision.service_id, ListingRevision.created_at, ListingRevision.number,
               document["status"].as_string(), document[("waiting_time", "weeks")].as_integer(),
               document["categories"], document["areas"])
        .where(ListingRevision.created_at < cutoffs[-1])
        .order_by(ListingRevision.service_id, ListingRevision.created_at, ListingRevision.number)).all()
    history: dict = defaultdict(list)
    for service_id, created_at, _, status, weeks, codes, areas in rows:
        history[service_id].append((created_at, status, weeks, codes or [], areas or []))

    terms = categories(session)
    if filters.category_id is not None:
        terms = [term for term in terms if term.id == filters.category_id]
    district = session.get(District, filters.district_id) if filters.district_id is not None else None
    waits: dict = defaultdict(lambda: defaultdict(list))  # {category code: {month index: [weeks]}}
    for revisions in history.values():
        position = -1
        for i, cutoff in enumerate(cutoffs):
            while position + 1 < len(revisions) and revisions[position + 1][0] < cutoff:
                position += 1
            if position < 0:
                continue  # not listed yet
            _, status, weeks, codes, areas = revisions[position]
            if status != "active" or weeks is None:
                continue
            if filters.district_id is not None and (district is None or district.slug not in areas):
                continue
            for code in codes:
                waits[code][i].append(weeks)

    shown = [term for term in terms if waits.get(term.code) or term.id == filters.category_id]
    labels = [month_label(month) for month in months]
    series = [(term.name, [number(statistics.median(waits[term.code][i])) if waits[term.code].get(i) else None
                           for i in range(len(months))]) for term in shown]
    return Section(
        slug="published-waiting-times",
        heading="Published waiting times by category",
        table=Table("Median published waiting time in weeks, by category and month",
                    ["Category", *labels], [[name, *values] for name, values in series]),
        chart=LineChart(
            title="Median published waiting time by category",
            description="A line for each category of service: the median of the waiting times its services "
                        "published, as they stood at the end of each month. The table has the figures.",
            unit="weeks", x_labels=labels, series=series) if series else None,
        notes=["For each month, the median of the waiting times published by the category's active services as "
               "their listings stood at the end of the month (or of the last day chosen). Services that had "
               "published no waiting time are left out; a dash means none had.",
               "Categories and areas are the listings' own at the time. Categories with no waiting times in "
               "these months are not shown."])


def time_to_acceptance(session: Session, filters: Filters) -> Section:
    accepted = (select(ReferralEvent.service_referral_id, func.min(ReferralEvent.at).label("at"))
                .where(ReferralEvent.status.in_(ACCEPTED)).group_by(ReferralEvent.service_referral_id).subquery())
    rows = session.exec(
        select(ServiceReferral.service_id, Referral.submitted_at, accepted.c.at)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .join(accepted, accepted.c.service_referral_id == ServiceReferral.id)
        .where(*between(Referral.submitted_at, filters),
               *referral_filters(ServiceReferral.service_id, ServiceReferral.district_id, filters))).all()
    linked = categories_of(session, {row[0] for row in rows})
    days: dict = defaultdict(list)  # {category term id (None: none): [calendar days]}
    for service_id, submitted_at, accepted_at in rows:
        waited = (local_date(accepted_at) - local_date(submitted_at)).days
        # A service in two categories counts in both.
        for term_id in linked.get(service_id) or [None]:
            if filters.category_id is None or term_id == filters.category_id:
                days[term_id].append(waited)

    names = [(term.id, term.name) for term in categories(session)] + [(None, NO_CATEGORY)]
    table_rows, bars = [], []
    for term_id, name in names:
        if term_id not in days:
            continue
        summary = summarise(days[term_id])
        median, p90 = number(summary.median), number(summary.p90)
        table_rows.append([name, summary.count, median, p90])
        bars.append(Bar(name, [median, p90]))
    return Section(
        slug="time-to-acceptance",
        heading="Time from referral to acceptance",
        table=Table("Days from sending a referral to the service accepting it, by category",
                    ["Category", "Referrals accepted", "Median (days)", "90th percentile (days)"], table_rows),
        chart=BarChart(
            title="Days from referral to acceptance, by category",
            description="For each category of service, the median and 90th percentile of calendar days from "
                        "sending a referral to the service accepting it, side by side. The table has the figures.",
            unit="days", series=["Median", "90th percentile"], bars=bars, stacked=False) if bars else None,
        notes=["Referrals sent in the dates chosen that the service has accepted: the first time it accepted the "
               "referral, put it on its waiting list or offered an appointment. Days are calendar days, in "
               "England's time.",
               "A service in more than one category counts in each, so the categories add up to more than the "
               "referrals accepted.",
               'Counts from 1 to 4 show as "fewer than 5". ' + FIGURES_NOTE])
