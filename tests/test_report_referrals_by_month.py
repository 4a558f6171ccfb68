"""Referrals by service and month: counts by status now, in England's months, with small numbers suppressed,
checked against a hand-built set; and the facts reports read are kept when a referral is sent."""

from datetime import date

import pytest
from sqlmodel import select

from directory.models import District
from directory.referrals import records as family_records
from directory.reports import referrals_by_month
from directory.reports.model import Filters
from directory.reports.suppression import FEWER_THAN as F
from directory.reports.suppression import NOT_SHOWN as NS
from tests.helpers.people import make_user
from tests.helpers.referrals import new_family, send
from tests.helpers.report_data import Data, cells, utc

TODAY = date(2025, 8, 1)
MAY_JUNE = dict(start=date(2025, 5, 1), end=date(2025, 6, 30))
HEADER = ["Service", "Month", "Sent", "Acknowledged", "Information requested", "Accepted", "On the waiting list",
          "Appointment offered", "Closed", "Declined", "Withdrawn", "Total"]


@pytest.fixture
def built(db_session):
    data = Data(db_session)
    first, second = data.category("Test category one"), data.category("Test category two")
    alpha = data.service("Alpha test service", [first])
    beta = data.service("Beta test service", [second])
    stafford, east = data.district("stafford"), data.district("east-staffordshire")
    # Alpha, May: 5 sent and 2 accepted.
    for day in range(1, 6):
        data.referral(alpha, utc(2025, 5, day, 10), "sent", district=east)
    for day in (6, 7):
        data.referral(alpha, utc(2025, 5, day, 10), "accepted", district=east)
    # Alpha, June: 6 sent, one of them at 23:30 UTC on 31 May, which is 00:30 on 1 June in England (BST).
    data.referral(alpha, utc(2025, 5, 31, 23, 30), "sent", district=stafford)
    for day in range(2, 7):
        data.referral(alpha, utc(2025, 6, day, 9), "sent", district=stafford)
    # Beta, May: 5 declined, and 1 sent at 23:30 UTC on 30 April (00:30 on 1 May in England).
    for day in range(10, 15):
        data.referral(beta, utc(2025, 5, day, 9), "declined", district=east, outcome="not_eligible")
    data.referral(beta, utc(2025, 4, 30, 23, 30), "sent")
    # Outside the dates: 22:30 UTC on 30 April is 23:30 on 30 April in England; and July.
    data.referral(beta, utc(2025, 4, 30, 22, 30), "sent")
    data.referral(beta, utc(2025, 7, 1, 9), "sent")
    return data, first, second, stafford


def row(service, month, statuses: dict, total):
    return [service, month, *(statuses.get(name, "0") for name in HEADER[2:-1]), total]


def check_chart(report):
    """The chart has one bar per table row (not the totals row), with the table's figures, hidden ones hidden."""
    section = report.sections[0]
    table_rows = section.table.rows[:-1]
    assert [bar.label for bar in section.chart.bars] == [f"{r[0]}, {r[1]}" for r in table_rows]
    assert [[str(v) for v in bar.values] for bar in section.chart.bars] == [[str(c) for c in r[2:-1]]
                                                                          for r in table_rows]
    assert all(bar.values[i] is table_rows[n][2 + i] for n, bar in enumerate(section.chart.bars)
               for i in range(len(bar.values)))
    assert section.chart.series == HEADER[2:-1] and section.chart.stacked


def test_counts_by_service_month_and_status_with_small_numbers_hidden(db_session, built):
    report = referrals_by_month.build(db_session, Filters(**MAY_JUNE), TODAY)
    assert report.slug == "referrals-by-month"
    table = report.sections[0].table
    assert table.header == HEADER and table.row_headers == 2
    # Alpha May: sent 5, accepted 2 (hidden), total 7: one hidden part, so not shown.
    # Alpha June: sent 6 (the 31 May 23:30 UTC one is June), total 6.
    # Beta May: sent 1 (30 April 23:30 UTC is 1 May), declined 5; total 6 has one hidden part: not shown.
    # All: sent 5 + 6 + 1 = 12 with one hidden part (Beta's 1): not shown; accepted 2: fewer than 5; declined 5.
    # Grand total 7 + 6 + 6 = 19: two row totals and two column totals hidden, none alone: shown.
    assert cells(table) == [
        row("Alpha test service", "May 2025", {"Sent": "5", "Accepted": F}, NS),
        row("Alpha test service", "Jun 2025", {"Sent": "6"}, "6"),
        row("Beta test service", "May 2025", {"Sent": F, "Declined": "5"}, NS),
        row("All services", "All months", {"Sent": NS, "Accepted": F, "Declined": "5"}, "19"),
    ]
    check_chart(report)


def test_a_category_a_district_and_dates_filter_the_referrals(db_session, built):
    data, first, second, stafford = built
    # Alpha only: sent 5 + 6 = 11, accepted 2; grand total 13 has one hidden row total (May's 7): not shown.
    report = referrals_by_month.build(db_session, Filters(**MAY_JUNE, category_id=first.id), TODAY)
    assert cells(report.sections[0].table) == [
        row("Alpha test service", "May 2025", {"Sent": "5", "Accepted": F}, NS),
        row("Alpha test service", "Jun 2025", {"Sent": "6"}, "6"),
        row("All services", "All months", {"Sent": "11", "Accepted": F}, NS),
    ]
    check_chart(report)
    # Stafford: Alpha's six June referrals.
    report = referrals_by_month.build(db_session, Filters(**MAY_JUNE, district_id=stafford.id), TODAY)
    assert cells(report.sections[0].table) == [
        row("Alpha test service", "Jun 2025", {"Sent": "6"}, "6"),
        row("All services", "All months", {"Sent": "6"}, "6"),
    ]
    check_chart(report)
    # Up to 31 May in England: the 23:30 UTC referral on 31 May is on 1 June, so out.
    report = referrals_by_month.build(db_session, Filters(start=date(2025, 5, 1), end=date(2025, 5, 31)), TODAY)
    assert cells(report.sections[0].table) == [
        row("Alpha test service", "May 2025", {"Sent": "5", "Accepted": F}, NS),
        row("Beta test service", "May 2025", {"Sent": F, "Declined": "5"}, NS),
        # Sent 5 + 1 = 6: one hidden part, not shown. Total 7 + 6 = 13: two row totals and two column totals
        # (sent, accepted) hidden, none alone: shown.
        row("All services", "All months", {"Sent": NS, "Accepted": F, "Declined": "5"}, "13"),
    ]
    # Nothing in the dates: no rows, no chart.
    report = referrals_by_month.build(db_session, Filters(start=date(2020, 1, 1), end=date(2020, 1, 31)), TODAY)
    assert report.sections[0].table.rows == [] and report.sections[0].chart is None


def test_a_referral_sent_keeps_the_familys_district_and_areas_of_need(db_session):
    key_worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    record, _ = new_family(db_session, key_worker)
    family_records.save_section(db_session, key_worker.id, record, "child", {"postcode": "DE14 1AA"}, True)
    # Speech, language and communication (communication and interaction) and social, emotional and mental health.
    family_records.save_section(db_session, key_worker.id, record, "needs", {"needs": ["SLCN", "SEMH"]}, True)
    row = send(db_session, key_worker, record)
    east = db_session.exec(select(District).where(District.slug == "east-staffordshire")).one()
    assert row.district_id == east.id
    assert sorted(row.need_areas) == ["communication-and-interaction", "social-emotional-mental-health"]
    # A record the router cannot place keeps none.
    other, _ = new_family(db_session, key_worker)
    row = send(db_session, key_worker, other)
    assert row.district_id is None and row.need_areas == []
