"""Working days in England: weekends and bank holidays (Christmas with its substitute day, New Year, Easter) are
not counted, and a moment is dated by England's clocks (GMT or BST)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from directory.working_days import add_working_days, is_working_day, local_date, working_days_between


@pytest.mark.parametrize("day", [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1),
                                 date(2027, 3, 26), date(2027, 3, 29)])
def test_christmas_new_year_and_easter_are_not_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 4),
                                 date(2027, 3, 25), date(2027, 3, 30)])
def test_the_days_around_them_are(day):
    assert is_working_day(day)


def test_weekends_are_not_working_days():
    saturday = date(2026, 11, 28)
    assert not is_working_day(saturday) and not is_working_day(saturday + timedelta(days=1))
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1  # Friday to Monday
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5  # a whole week


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert working_days_between(date(2026, 12, 2), date(2026, 12, 1)) == 0
    assert working_days_between(date(2026, 12, 1), date(2026, 12, 2)) == 1


def test_across_christmas_2026():
    # 24 Dec (Thu) to 4 Jan (Mon): only 29, 30, 31 Dec and 4 Jan count (26 Dec falls on a Saturday, so the bank
    # holiday moves to Monday 28 Dec).
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 6)


def test_across_easter_2027():
    # Thursday 25 March, then Good Friday 26, the weekend and Easter Monday 29: next is Tuesday 30 March.
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert working_days_between(date(2027, 3, 25), date(2027, 3, 29)) == 0
    assert working_days_between(date(2027, 3, 22), date(2027, 4, 2)) == 7


def test_add_working_days_and_between_agree():
    start = date(2026, 12, 10)
    for days in range(0, 30):
        assert working_days_between(start, add_working_days(start, days)) == days
    assert add_working_days(start, 0) == start


def test_local_date_follows_englands_clocks():
    # Summer (BST, UTC+1): 11:30pm in England on 30 June is 10:30pm UTC, still 30 June; 23:30 UTC is 1 July.
    assert local_date(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == date(2026, 6, 30)
    assert local_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    # A naive moment is UTC, as the database stores it.
    assert local_date(datetime(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    # Winter (GMT): 23:30 UTC on 30 November is still 30 November.
    assert local_date(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 11, 30)
    # The night the clocks go forward (29 March 2026, 1am GMT becomes 2am BST) and back (25 October 2026).
    assert local_date(datetime(2026, 3, 28, 23, 59, tzinfo=UTC)) == date(2026, 3, 28)
    assert local_date(datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_date(datetime(2026, 10, 25, 23, 0, tzinfo=UTC)) == date(2026, 10, 25)
