"""Time to first response: working days from sending to the service's first response (England's calendar and bank
holidays), median and 90th percentile against the target, checked against a hand-built set."""

from datetime import date

import pytest

from directory.reports import first_response
from directory.reports.model import Filters
from directory.reports.suppression import FEWER_THAN as F
from directory.reports.suppression import NOT_SHOWN as NS
from tests.helpers.report_data import Data, cells, utc

TODAY = date(2025, 8, 1)
MAY_JUNE = dict(start=date(2025, 5, 1), end=date(2025, 6, 30))
HEADER = ["Service", "Referrals sent", "Answered", "Not answered", "Median (working days)",
          "90th percentile (working days)", "Target (working days)"]


@pytest.fixture
def built(db_session):
    data = Data(db_session)
    first, second = data.category("Test category one"), data.category("Test category two")
    alpha = data.service("Alpha test service", [first], target=10)
    beta = data.service("Beta test service", [second], target=7)
    gamma = data.service("Gamma test service", [second], target=15)
    stafford = data.district("stafford")
    # Alpha (target 10). Working days after the day sent, up to and including the day of the first response:
    for sent, answered in (
        (utc(2025, 5, 2, 10), utc(2025, 5, 6, 10)),  # Fri 2 May -> Tue 6 May, Mon 5 May a bank holiday: 1
        (utc(2025, 5, 1, 9), utc(2025, 5, 1, 15)),  # the same day: 0
        (utc(2025, 5, 12, 9), utc(2025, 5, 16, 9)),  # Mon -> Fri: 4
        (utc(2025, 5, 12, 9), utc(2025, 5, 19, 9)),  # Mon -> next Mon: 5
        (utc(2025, 5, 23, 9), utc(2025, 5, 27, 9)),  # Fri 23 -> Tue 27, Mon 26 May a bank holiday: 1
        (utc(2025, 5, 20, 9), utc(2025, 6, 3, 9)),  # Tue 20 May -> Tue 3 June, over the bank holiday: 3 + 4 + 2 = 9
        # 23:30 UTC on Thu 15 May is Fri 16 May in England: answered on Fri 16 May, 0 (not 1).
        (utc(2025, 5, 15, 23, 30), utc(2025, 5, 16, 14)),
    ):
        data.referral(alpha, sent, "acknowledged", first_response_at=answered, target=10)
    for _ in range(2):  # not answered
        data.referral(alpha, utc(2025, 5, 5, 9), "sent", target=10)
    data.referral(alpha, utc(2025, 7, 1, 9), "sent", target=10)  # after the dates
    # Beta: sent Mon 2 June, under targets 5 and then 8 (now 7), all in Stafford.
    for n, answered in enumerate((utc(2025, 6, 3, 9), utc(2025, 6, 4, 9), utc(2025, 6, 5, 9), utc(2025, 6, 5, 9),
                                  utc(2025, 6, 6, 9), utc(2025, 6, 16, 9))):  # 1, 2, 3, 3, 4, and 4 + 5 + 1 = 10
        data.referral(beta, utc(2025, 6, 2, 9), "accepted", first_response_at=answered, target=5 if n < 3 else 8,
                      district=stafford)
    # Gamma: 3 answered (too few for a median), and one sent by email (not here: left out).
    for day in (6, 7, 8):
        data.referral(gamma, utc(2025, 5, day, 9), "accepted", first_response_at=utc(2025, 5, 9, 9), target=15)
    data.referral(gamma, utc(2025, 5, 6, 9), "sent", replies_here=False)
    return first, stafford


def check_chart(section):
    rows = section.table.rows
    assert [bar.label for bar in section.chart.bars] == [row[0] for row in rows]
    assert [bar.values for bar in section.chart.bars] == [[row[4], row[5]] for row in rows]
    assert [bar.marker for bar in section.chart.bars] == [row[6] for row in rows]
    assert section.chart.series == ["Median", "90th percentile"] and not section.chart.stacked
    assert section.chart.marker_label == "Target"


def test_working_days_to_first_response_by_service(db_session, built):
    report = first_response.build(db_session, Filters(**MAY_JUNE), TODAY)
    assert report.slug == "first-response"
    section = report.sections[0]
    assert section.table.header == HEADER
    assert cells(section.table) == [
        # Alpha: 9 sent, 7 answered (0, 0, 1, 1, 4, 5, 9), 2 not (hidden, so the 9 sent is not shown either).
        # Median: the 4th of 7 = 1; 90th percentile: rank ceil(0.9 x 7) = 7, the 7th = 9.
        ["Alpha test service", NS, "7", F, "1", "9", "10"],
        # Beta: 1, 2, 3, 3, 4, 10: median (3 + 3) / 2 = 3; rank ceil(0.9 x 6) = 6: 10. Targets 5 and 8: now 7.
        ["Beta test service", "6", "6", "0", "3", "10", "7"],
        # Gamma: 3 answered here: fewer than 5, no median.
        ["Gamma test service", F, F, "0", "–", "–", "15"],
    ]
    check_chart(section)
    assert any("Beta test service" in note and "current target" in note for note in section.notes)


def test_filters(db_session, built):
    first, stafford = built
    section = first_response.build(db_session, Filters(**MAY_JUNE, district_id=stafford.id), TODAY).sections[0]
    assert cells(section.table) == [["Beta test service", "6", "6", "0", "3", "10", "7"]]
    check_chart(section)
    section = first_response.build(db_session, Filters(**MAY_JUNE, category_id=first.id), TODAY).sections[0]
    assert cells(section.table) == [["Alpha test service", NS, "7", F, "1", "9", "10"]]
    assert not any("current target" in note for note in section.notes)
    # From 16 May in England: Alpha's referrals of 20 and 23 May, and the one sent at 23:30 UTC on 15 May.
    section = first_response.build(db_session, Filters(start=date(2025, 5, 16), end=date(2025, 5, 31),
                                                       category_id=first.id), TODAY).sections[0]
    assert cells(section.table) == [["Alpha test service", F, F, "0", "–", "–", "10"]]
    check_chart(section)
