"""Declined referrals by the service's reason, the child's area of need and the family's district: where local
services cannot take the children referred to them."""

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import ReferralEvent, ServiceReferral
from directory.referrals.words import DECLINE_REASONS
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table
from directory.reports.referral_queries import (
    COUNTS_NOTE,
    NOT_KNOWN,
    between,
    district_names,
    need_areas,
    referral_filters,
)
from directory.reports.suppression import suppress

slug = "declines"
title = "Declined referrals: gaps in local provision"
UNKNOWN_REASON = "not_recorded"


def build(session: Session, filters: Filters, today: date) -> Report:
    # When each was declined: its "declined" event, else when its status last changed.
    declined_at = (select(ReferralEvent.service_referral_id, func.min(ReferralEvent.at).label("at"))
                   .where(ReferralEvent.status == "declined").group_by(ReferralEvent.service_referral_id)
                   .subquery())
    when = func.coalesce(declined_at.c.at, ServiceReferral.status_changed_at)
    rows = session.exec(
        select(ServiceReferral.id, ServiceReferral.outcome, ServiceReferral.need_areas, ServiceReferral.district_id)
        .outerjoin(declined_at, declined_at.c.service_referral_id == ServiceReferral.id)
        .where(ServiceReferral.status == "declined", *between(when, filters),
               *referral_filters(ServiceReferral.service_id, ServiceReferral.district_id, filters))).all()

    reasons = list(DECLINE_REASONS)
    if any(outcome not in DECLINE_REASONS for _, outcome, _, _ in rows):
        reasons.append(UNKNOWN_REASON)
    cells: Counter = Counter()
    per_reason: dict = defaultdict(set)
    for row_id, outcome, needs, district_id in rows:
        reason = outcome if outcome in DECLINE_REASONS else UNKNOWN_REASON
        per_reason[reason].add(row_id)
        # A referral for a child with two areas of need counts once in each.
        for need in sorted(set(needs or [])) or [None]:
            cells[(need, district_id, reason)] += 1

    need_terms = need_areas(session)
    need_names = {term.code: term.name for term in need_terms}
    need_order = {term.code: i for i, term in enumerate(need_terms)}
    districts = district_names(session)
    keys = sorted({(need, district_id) for need, district_id, _ in cells},
                  key=lambda key: (key[0] is None, need_order.get(key[0], len(need_order)), key[0] or "",
                                   key[1] is None, districts.get(key[1], "").lower(), str(key[1])))
    # The totals are of referrals, not of cells: one with two areas of need is one referral declined.
    grid = suppress([[cells[(need, district_id, reason)] for reason in reasons] for need, district_id in keys],
                    column_totals=[len(per_reason[reason]) for reason in reasons], grand_total=len(rows))

    labels = [DECLINE_REASONS.get(reason, "Reason not recorded") for reason in reasons]
    table_rows = [[need_names.get(need, need) if need else NOT_KNOWN,
                   districts.get(district_id, NOT_KNOWN) if district_id else NOT_KNOWN, *counts, total]
                  for (need, district_id), counts, total in zip(keys, grid.cells, grid.row_totals, strict=True)]
    if keys:
        table_rows.append(["All referrals declined", "All districts", *grid.column_totals, grid.grand_total])
    section = Section(
        slug=slug, heading="Declined referrals by reason, area of need and district",
        table=Table("Service referrals declined, by area of need, district and reason",
                    ["Area of need", "District", *labels, "Total"], table_rows, row_headers=2),
        chart=BarChart(
            title="Declined referrals by reason",
            description="One bar for each reason services gave for declining referrals: the number of referrals "
                        "declined for it. The table has the figures by area of need and district.",
            unit="referrals", series=["Referrals declined"],
            bars=[Bar(label, [total]) for label, total in zip(labels, grid.column_totals, strict=True)])
        if keys else None,
        notes=["A referral for a child with more than one area of need is counted under each of them, so the rows "
               "add up to more than the referrals declined. The totals for each reason count each referral once.",
               "Areas of need and districts are the family's when the referral was sent; referrals sent before "
               "these were kept, or without them, are under 'Not known'.",
               COUNTS_NOTE])
    return Report(slug=slug, title=title,
                  summary="Why services declined referrals, for which areas of need and where: the gaps in what "
                          "local services can offer.",
                  sections=[section])
