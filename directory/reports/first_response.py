"""Working days from sending a referral to the service's first response, for each service that answers on this
site, against its response target."""

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from directory.models import Referral, Service, ServiceReferral
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table
from directory.reports.referral_queries import (
    COUNTS_NOTE,
    FIGURES_NOTE,
    between,
    number,
    referral_filters,
)
from directory.reports.statistics import summarise
from directory.reports.suppression import suppress
from directory.working_days import local_date, working_days_between

slug = "first-response"
title = "Time to first response"


def build(session: Session, filters: Filters, today: date) -> Report:
    rows = session.exec(
        select(ServiceReferral.service_id, Referral.submitted_at, ServiceReferral.first_response_at,
               ServiceReferral.response_target_days)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.replies_here, *between(Referral.submitted_at, filters),
               *referral_filters(ServiceReferral.service_id, ServiceReferral.district_id, filters))).all()
    sent: dict = defaultdict(int)
    waits: dict = defaultdict(list)
    targets: dict = defaultdict(set)
    spans: dict = {}  # {(day sent, day answered): working days}: many referrals share a pair of days
    for service_id, submitted_at, first_response_at, target in rows:
        sent[service_id] += 1
        targets[service_id].add(target)
        if first_response_at is not None:
            # Counted as the inbox and the reminders count: working days after the day it was sent (England's
            # calendar) up to and including the day of the first response.
            span = (local_date(submitted_at), local_date(first_response_at))
            if span not in spans:
                spans[span] = working_days_between(*span)
            waits[service_id].append(spans[span])
    services = {s.id: s for s in session.exec(select(Service).where(Service.id.in_(list(sent))))} if sent else {}
    order = sorted(sent, key=lambda service_id: (services[service_id].name.lower(), str(service_id)))

    table_rows, bars, changed = [], [], []
    for service_id in order:
        service = services[service_id]
        known = targets[service_id] - {None}
        if len(targets[service_id]) == 1 and known:
            target = next(iter(known))
        else:
            target = service.response_target_days
            changed.append(service.name)
        answered = len(waits[service_id])
        # Sent = answered + not answered: a total that would give away a hidden part is hidden too.
        grid = suppress([[answered, sent[service_id] - answered]], column_totals=False, grand_total=False)
        summary = summarise(waits[service_id])
        median, p90 = number(summary.median), number(summary.p90)
        table_rows.append([service.name, grid.row_totals[0], *grid.cells[0], median, p90, target])
        bars.append(Bar(service.name, [median, p90], marker=target))

    notes = ["Working days are Monday to Friday, not counting bank holidays in England, from the day after the "
             "referral was sent to the day of the service's first response (its first action on the referral). "
             "Only services that answer referrals on this site are included.", COUNTS_NOTE, FIGURES_NOTE]
    if changed:
        notes.append("The response target changed while these referrals were sent for: " + ", ".join(changed)
                     + ". Their current target is shown.")
    section = Section(
        slug=slug, heading=title,
        table=Table("Working days to first response, by service",
                    ["Service", "Referrals sent", "Answered", "Not answered", "Median (working days)",
                     "90th percentile (working days)", "Target (working days)"], table_rows),
        chart=BarChart(
            title="Working days to first response, by service",
            description="For each service, the median and 90th percentile of working days to the first response, "
                        "side by side, with a line at the service's target. The table has the figures.",
            unit="working days", series=["Median", "90th percentile"], bars=bars, stacked=False,
            marker_label="Target") if bars else None,
        notes=notes)
    return Report(slug=slug, title=title,
                  summary="How quickly services first respond to referrals, in working days, against their target.",
                  sections=[section])
