"""Referrals sent to each service in each month (England's time), by the status each has now."""

from collections import Counter, defaultdict
from datetime import date

from sqlmodel import Session, select

from directory.models import Referral, ServiceReferral
from directory.models.referrals import STATUSES
from directory.referrals.words import STATUS_NAMES
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table
from directory.reports.referral_queries import (
    COUNTS_NOTE,
    between,
    month_label,
    month_of,
    referral_filters,
    service_names,
)
from directory.reports.suppression import suppress

slug = "referrals-by-month"
title = "Referrals by service and month"
ALL = "All services"


def build(session: Session, filters: Filters, today: date) -> Report:
    # One query of three short columns; months are England's, so they are worked out here, not in SQL.
    rows = session.exec(
        select(ServiceReferral.service_id, ServiceReferral.status, Referral.submitted_at)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(*between(Referral.submitted_at, filters),
               *referral_filters(ServiceReferral.service_id, ServiceReferral.district_id, filters))).all()
    counts: dict = defaultdict(Counter)  # {(service id, month): {status: referrals}}
    for service_id, status, submitted_at in rows:
        counts[(service_id, month_of(submitted_at))][status] += 1
    names = service_names(session, {service_id for service_id, _ in counts})
    keys = sorted(counts, key=lambda key: (names.get(key[0], "").lower(), str(key[0]), key[1]))
    grid = suppress([[counts[key][status] for status in STATUSES] for key in keys])

    header = ["Service", "Month", *(STATUS_NAMES[status] for status in STATUSES), "Total"]
    table_rows = [[names.get(service_id, "Unknown service"), month_label(month), *cells, total]
                  for (service_id, month), cells, total in zip(keys, grid.cells, grid.row_totals, strict=True)]
    if keys:
        table_rows.append([ALL, "All months", *grid.column_totals, grid.grand_total])
    chart = BarChart(
        title="Referrals by service and month, by status",
        description="One bar for each service and month, divided by the status of the referrals now. The table "
                    "has the figures.",
        unit="referrals", series=[STATUS_NAMES[status] for status in STATUSES],
        bars=[Bar(f"{row[0]}, {row[1]}", list(cells)) for row, cells in zip(table_rows[:-1], grid.cells, strict=True)])
    section = Section(
        slug=slug, heading=title,
        table=Table("Service referrals sent in each month, by their status now", header, table_rows, row_headers=2),
        chart=chart if keys else None,
        notes=["Months are when the referral was sent. Each referral is counted under the status it has now.",
               COUNTS_NOTE])
    return Report(slug=slug, title=title,
                  summary="How many referrals were sent to each service each month, and where they stand now.",
                  sections=[section])
