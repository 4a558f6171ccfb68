"""Waiting times over time: the median published wait of each category's active services at the end of each month
(from the listings' history), and calendar days from sending to acceptance by category, checked by hand."""

from datetime import date

import pytest

from directory.reports import waiting_times
from directory.reports.model import Filters
from directory.reports.suppression import FEWER_THAN as F
from tests.helpers.report_data import Data, cells, utc

TODAY = date(2025, 8, 1)
SPRING = dict(start=date(2025, 3, 1), end=date(2025, 5, 31))
MAY_JUNE = dict(start=date(2025, 5, 1), end=date(2025, 6, 30))


@pytest.fixture
def built(db_session):
    data = Data(db_session)
    one, two, three = (data.category(f"Test category {n}") for n in ("one", "two", "three"))
    # Listing histories (weeks published), as they stood at the end of March, April and May.
    s1 = data.service("Service one", [one])
    data.revision(s1, utc(2025, 2, 10, 9), 4, [one], ["stafford"])
    # 23:30 UTC on 30 April is 1 May in England: April ends with 4 weeks, May with 10.
    data.revision(s1, utc(2025, 4, 30, 23, 30), 10, [one], ["stafford"])
    s2 = data.service("Service two", [one])
    data.revision(s2, utc(2025, 3, 5, 9), 7, [one], ["east-staffordshire"])
    data.revision(s2, utc(2025, 5, 10, 9), None, [one], ["east-staffordshire"])  # no waiting time from May
    s3 = data.service("Service three", [one, two])
    data.revision(s3, utc(2025, 3, 20, 9), 8, [one, two], ["stafford"])
    data.revision(s3, utc(2025, 4, 15, 9), 8, [one, two], ["stafford"], status="inactive")  # from April
    s4 = data.service("Service four", [two])
    data.revision(s4, utc(2025, 4, 2, 9), 12, [two], ["east-staffordshire"])
    s6 = data.service("Service six", [three])
    data.revision(s6, utc(2025, 4, 20, 12), 2, [three], ["east-staffordshire"])
    s5 = data.service("Service five", [two])
    data.revision(s5, utc(2025, 6, 2, 9), 3, [two], ["stafford"])  # after the range

    # Referrals and when they were first accepted (put on the waiting list, or offered an appointment).
    east, stafford = data.district("east-staffordshire"), data.district("stafford")
    alpha = data.service("Alpha test service", [one])
    beta = data.service("Beta test service", [one, two])
    gamma = data.service("Gamma test service", [two])

    def sent(service, at, district, *events):
        row = data.referral(service, at, "accepted", district=district)
        for when, status, kind in events:
            data.event(row, when, status, kind)

    for days in (2, 3, 3, 10):
        sent(alpha, utc(2025, 5, 1, 9), east, (utc(2025, 5, 1 + days, 9), "accepted", "accept"))
    # Acknowledged first (not acceptance), then on the waiting list after 4 days.
    sent(alpha, utc(2025, 5, 1, 9), east, (utc(2025, 5, 2, 9), "acknowledged", "acknowledge"),
         (utc(2025, 5, 5, 9), "waiting_list", "wait_list"))
    # Declined: never accepted, not counted.
    sent(alpha, utc(2025, 5, 1, 9), east, (utc(2025, 5, 2, 9), "declined", "decline"))
    # Sent in April: not counted.
    sent(alpha, utc(2025, 4, 20, 9), east, (utc(2025, 5, 2, 9), "accepted", "accept"))
    # 23:30 UTC on 31 May is 1 June in England: accepted on 1 June, 0 days.
    sent(beta, utc(2025, 5, 31, 23, 30), stafford, (utc(2025, 6, 1, 10), "accepted", "accept"))
    # An appointment offered after 7 days, then accepted: 7.
    sent(beta, utc(2025, 5, 10, 9), stafford, (utc(2025, 5, 17, 9), "appointment_offered", "offer_appointment"),
         (utc(2025, 5, 20, 9), "accepted", "accept"))
    sent(gamma, utc(2025, 5, 12, 9), stafford, (utc(2025, 5, 13, 9), "accepted", "accept"))
    return one, two, three, stafford


def check_line_chart(section):
    assert section.chart.x_labels == section.table.header[1:]
    assert section.chart.series == [(row[0], row[1:]) for row in section.table.rows]
    assert section.chart.unit == "weeks"


def check_bar_chart(section):
    rows = section.table.rows
    assert [(bar.label, bar.values) for bar in section.chart.bars] == [(row[0], [row[2], row[3]]) for row in rows]
    assert section.chart.series == ["Median", "90th percentile"] and not section.chart.stacked


def test_published_waiting_times_by_category_and_month(db_session, built):
    report = waiting_times.build(db_session, Filters(**SPRING), TODAY)
    assert report.slug == "waiting-times-over-time"
    section = report.sections[0]
    assert section.table.header == ["Category", "Mar 2025", "Apr 2025", "May 2025"]
    assert cells(section.table) == [
        # March: services one (4), two (7) and three (8): 7. April: one (4), two (7), three inactive: 5.5.
        # May: one (10), two without a waiting time: 10.
        ["Test category one", "7", "5.5", "10"],
        # March: three (8). April and May: four (12).
        ["Test category two", "8", "12", "12"],
        # Service six, listed from 20 April.
        ["Test category three", "–", "2", "2"],
    ]
    check_line_chart(section)


def test_published_waiting_times_filtered(db_session, built):
    one, two, three, stafford = built
    # Services covering Stafford: one and three. Category one: March 4 and 8: 6; April 4; May 10.
    section = waiting_times.build(db_session, Filters(**SPRING, district_id=stafford.id), TODAY).sections[0]
    assert cells(section.table) == [["Test category one", "6", "4", "10"], ["Test category two", "8", "–", "–"]]
    check_line_chart(section)
    section = waiting_times.build(db_session, Filters(**SPRING, category_id=three.id), TODAY).sections[0]
    assert cells(section.table) == [["Test category three", "–", "2", "2"]]
    check_line_chart(section)
    # Up to 19 April: as listings stood then (service six not yet listed).
    section = waiting_times.build(db_session, Filters(start=date(2025, 4, 1), end=date(2025, 4, 19)),
                                  TODAY).sections[0]
    assert cells(section.table) == [["Test category one", "5.5"], ["Test category two", "12"]]
    check_line_chart(section)
    # From long before anything was listed: the months start with the first listing (service one, February).
    section = waiting_times.build(db_session, Filters(start=date(2024, 1, 1), end=date(2025, 3, 31)),
                                  TODAY).sections[0]
    assert section.table.header == ["Category", "Feb 2025", "Mar 2025"]
    assert cells(section.table) == [["Test category one", "4", "7"], ["Test category two", "–", "8"]]
    check_line_chart(section)


def test_time_from_referral_to_acceptance(db_session, built):
    one, two, three, stafford = built
    section = waiting_times.build(db_session, Filters(**MAY_JUNE), TODAY).sections[1]
    assert section.table.header == ["Category", "Referrals accepted", "Median (days)", "90th percentile (days)"]
    assert cells(section.table) == [
        # Alpha 2, 3, 3, 10, 4 and Beta 0, 7: 0 2 3 3 4 7 10: median 3; rank ceil(0.9 x 7) = 7: 10.
        ["Test category one", "7", "3", "10"],
        # Beta's two and Gamma's one: fewer than 5, no figures.
        ["Test category two", F, "–", "–"],
    ]
    check_bar_chart(section)
    section = waiting_times.build(db_session, Filters(**MAY_JUNE, category_id=two.id), TODAY).sections[1]
    assert cells(section.table) == [["Test category two", F, "–", "–"]]
    check_bar_chart(section)
    section = waiting_times.build(db_session, Filters(**MAY_JUNE, district_id=stafford.id), TODAY).sections[1]
    assert cells(section.table) == [["Test category one", F, "–", "–"], ["Test category two", F, "–", "–"]]
    # May in England: Beta's 31 May 23:30 UTC referral is out. 2 3 3 4 7 10: median 3.5; rank ceil(5.4) = 6: 10.
    section = waiting_times.build(db_session, Filters(start=date(2025, 5, 1), end=date(2025, 5, 31)),
                                  TODAY).sections[1]
    assert cells(section.table) == [["Test category one", "6", "3.5", "10"], ["Test category two", F, "–", "–"]]
    check_bar_chart(section)
