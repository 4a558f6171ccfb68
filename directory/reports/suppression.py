"""Small-number suppression, so that no child can be picked out of a report.

A count of 1 to 4 is shown as "fewer than 5" (0 is shown: it picks out nobody). A total is hidden too when it would
give a hidden count away: when it is itself 1 to 4, or when exactly one of its parts is hidden (the total less the
shown parts would be that count). Hiding a total can give away another (a grand total less the shown row totals),
so the rule runs until nothing changes. Hidden totals read "not shown"."""

from dataclasses import dataclass, field

THRESHOLD = 5
FEWER_THAN = f"fewer than {THRESHOLD}"
NOT_SHOWN = "not shown"


@dataclass
class Count:
    """A count and whether it may be shown. `str()` gives what the page and the CSV say."""

    value: int
    hidden: bool = False
    # A total hidden because it would give away a hidden count (not because it is small itself).
    secondary: bool = False

    def __str__(self) -> str:
        if not self.hidden:
            return str(self.value)
        return NOT_SHOWN if self.secondary else FEWER_THAN

    @property
    def shown(self) -> int | None:
        """The value when it may be shown, else None."""
        return None if self.hidden else self.value


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


def count(value: int) -> Count:
    """One count with no totals to protect."""
    return Count(value, hidden=is_small(value))


@dataclass
class Grid:
    """A table of counts with optional row totals, column totals and a grand total, suppressed together."""

    cells: list[list[Count]]
    row_totals: list[Count] = field(default_factory=list)
    column_totals: list[Count] = field(default_factory=list)
    grand_total: Count | None = None


def _hide_total(total: Count) -> bool:
    if total.hidden:
        return False
    total.hidden = total.secondary = True
    return True


def suppress(values: list[list[int]], *, row_totals: bool | list[int] = True,
             column_totals: bool | list[int] = True, grand_total: bool | int = True) -> Grid:
    """Suppress a table of counts and its totals. Totals are summed from the cells unless given: give them when a
    thing can be counted in several cells (a referral with two areas of need), so that the total is the true one.
    Hiding a given total follows the same rule (conservative: its parts may overlap)."""
    width = max((len(row) for row in values), default=0)
    cells = [[count(v) for v in row] + [Count(0)] * (width - len(row)) for row in values]
    rows = ([count(v) for v in row_totals] if isinstance(row_totals, list)
            else [count(sum(r.value for r in row)) for row in cells] if row_totals else [])
    columns = ([count(v) for v in column_totals] if isinstance(column_totals, list)
               else [count(sum(row[j].value for row in cells)) for j in range(width)] if column_totals else [])
    grand = None
    if grand_total is not False:
        grand = count(grand_total if not isinstance(grand_total, bool) else sum(r.value for row in cells for r in row))
    for total in rows + columns + ([grand] if grand else []):
        if total.hidden:
            total.secondary = False

    changed = True
    while changed:
        changed = False
        for i, total in enumerate(rows):
            if sum(c.hidden for c in cells[i]) == 1:
                changed |= _hide_total(total)
        for j, total in enumerate(columns):
            if sum(row[j].hidden for row in cells) == 1:
                changed |= _hide_total(total)
        if grand is not None:
            parts = [p for p in (rows, columns) if p] or [[c for row in cells for c in row]]
            if any(sum(p.hidden for p in group) == 1 for group in parts):
                changed |= _hide_total(grand)
    return Grid(cells, rows, columns, grand)
