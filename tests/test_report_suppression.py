"""Small-number suppression: counts of 1 to 4 read "fewer than 5", and totals that would give one away are hidden
too, checked against tables worked out by hand."""

from directory.reports.statistics import percentile, summarise
from directory.reports.suppression import FEWER_THAN, NOT_SHOWN, count, suppress


def shown(grid):
    return ([[str(c) for c in row] for row in grid.cells], [str(c) for c in grid.row_totals],
            [str(c) for c in grid.column_totals], str(grid.grand_total))


def test_counts_under_five_are_hidden_and_zero_and_five_are_shown():
    assert [str(count(v)) for v in (0, 1, 4, 5, 12)] == ["0", FEWER_THAN, FEWER_THAN, "5", "12"]
    assert count(3).shown is None and count(5).shown == 5


def test_nothing_small_shows_everything():
    assert shown(suppress([[10, 5], [0, 7]])) == ([["10", "5"], ["0", "7"]], ["15", "7"], ["10", "12"], "22")


def test_a_total_with_one_hidden_part_is_hidden_and_so_is_the_grand_total_it_would_give_away():
    # Row 1 total 20 less 10 and 7 would give 3; column 2 total 12 less 9 would give 3; the grand total 43 less
    # row 2's 23 would give row 1's 20.
    assert shown(suppress([[10, 3, 7], [8, 9, 6]])) == (
        [["10", FEWER_THAN, "7"], ["8", "9", "6"]], [NOT_SHOWN, "23"], ["18", NOT_SHOWN, "13"], NOT_SHOWN)


def test_two_hidden_parts_give_only_their_sum_so_the_total_stays():
    # Row 1: 15 - 10 = 5 = 3 + 2, which picks out neither. Columns 2 and 3 each have one hidden part: hidden.
    # The grand total less column 1 gives the sum of the two hidden column totals only: shown.
    assert shown(suppress([[10, 3, 2], [8, 9, 6]])) == (
        [["10", FEWER_THAN, FEWER_THAN], ["8", "9", "6"]], ["15", "23"], ["18", NOT_SHOWN, NOT_SHOWN], "38")


def test_a_small_total_is_itself_fewer_than_five():
    grid = suppress([[1, 0], [0, 2]])
    assert shown(grid) == ([[FEWER_THAN, "0"], ["0", FEWER_THAN]], [FEWER_THAN, FEWER_THAN],
                           [FEWER_THAN, FEWER_THAN], FEWER_THAN)


def test_given_totals_for_things_counted_in_several_cells():
    # 6 referrals, two of them with two areas of need: the cells add to 8 but the true total is 6.
    grid = suppress([[4, 4]], row_totals=[6], column_totals=False, grand_total=False)
    assert shown(grid) == ([[FEWER_THAN, FEWER_THAN]], ["6"], [], "None")


def test_medians_and_90th_percentiles_need_five_values():
    assert summarise([3, 1, 2, 9]).median is None and str(summarise([3, 1, 2, 9]).count) == FEWER_THAN
    found = summarise([2, 4, 4, 5, 7, 9, 10, 12, 13, 30])
    assert (found.median, found.p90, str(found.count)) == (8, 13, "10")
    assert percentile([5, 1, 3, 2, 4], 0.9) == 5 and percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9) == 10
