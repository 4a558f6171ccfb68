"""How a report's table cell reads, the same on the page and in the CSV: a suppressed count as its words, no
figure as "–", a number without needless decimals; and a cell that links somewhere (a service's public page)."""

from dataclasses import dataclass

from directory.csv_files import write_csv
from directory.reports.model import Table
from directory.reports.suppression import Count

NO_FIGURE = "–"


@dataclass(frozen=True)
class Link:
    """Text that the page shows as a link (the CSV has the text alone)."""

    text: str
    href: str

    def __str__(self) -> str:
        return self.text


def number_text(value: int | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def cell_text(cell) -> str:
    if cell is None:
        return NO_FIGURE
    if isinstance(cell, Count):
        return str(cell)
    if isinstance(cell, bool):
        return "Yes" if cell else "No"
    if isinstance(cell, int | float):
        return number_text(cell)
    return str(cell)


def is_figure(cell) -> bool:
    """A number, a count or no figure: right-aligned in its column."""
    return cell is None or isinstance(cell, Count) or (isinstance(cell, int | float) and not isinstance(cell, bool))


def table_csv(table: Table) -> str:
    """The table as a CSV file: its header row, then each row's cells as the page shows them, made safe."""
    return write_csv(table.header, ([cell_text(cell) for cell in row] for row in table.rows))
