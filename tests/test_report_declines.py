"""Declined referrals by reason x area of need x district: a referral with two areas of need counts in each row but
once in the totals, small numbers suppressed, checked against a hand-built set."""

from datetime import date

import pytest

from directory.reports import declines
from directory.reports.model import Filters
from directory.reports.suppression import FEWER_THAN as F
from directory.reports.suppression import NOT_SHOWN as NS
from tests.helpers.report_data import Data, cells, utc

TODAY = date(2025, 8, 1)
MAY = dict(start=date(2025, 5, 1), end=date(2025, 5, 31))
HEADER = ["Area of need", "District", "Not eligible", "Outside the area", "Needs another service",
          "Not enough information", "Already known to the service", "Other", "Total"]
COMMUNICATION, COGNITION = "communication-and-interaction", "cognition-and-learning"
SEMH, SENSORY = "social-emotional-mental-health", "sensory-physical"
ALL = ("All referrals declined", "All districts")


@pytest.fixture
def built(db_session):
    data = Data(db_session)
    first, second = data.category("Test category one"), data.category("Test category two")
    alpha, beta = data.service("Alpha test service", [first]), data.service("Beta test service", [second])
    east, stafford = data.district("east-staffordshire"), data.district("stafford")

    def declined(service, reason, needs, district, at, changed_at=None, event=True):
        row = data.referral(service, utc(2025, 4, 1, 9), "declined", outcome=reason, needs=needs,
                            district=district, changed_at=changed_at or at)
        if event:
            data.event(row, at, "declined", "decline")

    for day in range(1, 6):  # R1-R5
        declined(alpha, "not_eligible", [COMMUNICATION], east, utc(2025, 5, day, 9))
    declined(alpha, "not_eligible", [COMMUNICATION, SEMH], east, utc(2025, 5, 6, 9))  # R6: two areas of need
    for day in (7, 8):  # R7-R8: sent before areas and districts were kept
        declined(beta, "outside_area", [], None, utc(2025, 5, day, 9))
    # R9: no decline event (recorded before events were kept): its status change's date.
    declined(beta, "outside_area", [COGNITION], stafford, utc(2025, 5, 9, 9), event=False)
    for day in range(12, 17):  # R12-R16
        declined(beta, "needs_another_service", [SENSORY], stafford, utc(2025, 5, day, 9))
    # R10: declined in July by its event (its status change date is wrongly May): out of May.
    declined(alpha, "not_eligible", [COMMUNICATION], east, utc(2025, 7, 2, 9), changed_at=utc(2025, 5, 20, 9))
    # R11: declined at 23:30 UTC on 31 May, 1 June in England: out of May.
    declined(alpha, "not_eligible", [COMMUNICATION], east, utc(2025, 5, 31, 23, 30))
    # Not declined: not counted.
    data.referral(alpha, utc(2025, 5, 3, 9), "accepted", needs=[COMMUNICATION], district=east)
    return first, stafford


def check_chart(section):
    """One bar per reason, each the table's (suppressed) total for the reason."""
    totals = section.table.rows[-1][2:-1]
    assert [bar.label for bar in section.chart.bars] == HEADER[2:-1]
    assert [bar.values for bar in section.chart.bars] == [[total] for total in totals]
    assert all(bar.values[0] is total for bar, total in zip(section.chart.bars, totals, strict=True))


def row(need, district, by_reason: dict, total):
    return [need, district, *(by_reason.get(reason, "0") for reason in HEADER[2:-1]), total]


def test_declines_by_reason_need_and_district(db_session, built):
    report = declines.build(db_session, Filters(**MAY), TODAY)
    assert report.slug == "declines"
    section = report.sections[0]
    assert section.table.header == HEADER and section.table.row_headers == 2
    assert cells(section.table) == [
        # R1-R6: 6 (R6 here and under social, emotional and mental health too).
        row("Communication and interaction", "East Staffordshire", {"Not eligible": "6"}, "6"),
        row("Cognition and learning", "Stafford", {"Outside the area": F}, F),  # R9
        row("Social, emotional and mental health", "East Staffordshire", {"Not eligible": F}, F),  # R6
        row("Sensory and/or physical needs", "Stafford", {"Needs another service": "5"}, "5"),  # R12-R16
        row("Not known", "Not known", {"Outside the area": F}, F),  # R7, R8
        # Not eligible: R1-R6 = 6 referrals (not 7 cells), with one hidden cell: not shown. Outside the area:
        # R7, R8, R9 = 3. All: 6 + 3 + 5 = 14 referrals; two reason totals and three row totals hidden, none
        # alone: shown.
        row(*ALL, {"Not eligible": NS, "Outside the area": F, "Needs another service": "5"}, "14"),
    ]
    check_chart(section)


def test_filters(db_session, built):
    first, stafford = built
    # Alpha's: R1-R6. Total 6 referrals; the one hidden row total would give it away: not shown.
    section = declines.build(db_session, Filters(**MAY, category_id=first.id), TODAY).sections[0]
    assert cells(section.table) == [
        row("Communication and interaction", "East Staffordshire", {"Not eligible": "6"}, "6"),
        row("Social, emotional and mental health", "East Staffordshire", {"Not eligible": F}, F),
        row(*ALL, {"Not eligible": NS}, NS),
    ]
    check_chart(section)
    # Stafford: R9 and R12-R16; 6 referrals, one hidden row total: not shown.
    section = declines.build(db_session, Filters(**MAY, district_id=stafford.id), TODAY).sections[0]
    assert cells(section.table) == [
        row("Cognition and learning", "Stafford", {"Outside the area": F}, F),
        row("Sensory and/or physical needs", "Stafford", {"Needs another service": "5"}, "5"),
        row(*ALL, {"Outside the area": F, "Needs another service": "5"}, NS),
    ]
    check_chart(section)
    # June in England: only R11 (23:30 UTC on 31 May).
    section = declines.build(db_session, Filters(start=date(2025, 6, 1), end=date(2025, 6, 30)), TODAY).sections[0]
    assert cells(section.table) == [
        row("Communication and interaction", "East Staffordshire", {"Not eligible": F}, F),
        row(*ALL, {"Not eligible": F}, F),
    ]
    check_chart(section)
