"""What a report is, whatever it counts: sections, each a chart (data only: the web layer draws it as SVG) and the
table beside it with the same figures, plus the filters every report takes. Report modules build these; the web
layer renders them and writes each section's table as CSV."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from directory.reports.suppression import Count

# A table cell: text, a number, a suppressed count, or None (shown as "–", "no figure").
Cell = str | int | float | Count | None


@dataclass(frozen=True)
class Filters:
    """Every report's filters; each report says which it uses (`Report.uses`). Dates are inclusive, in the
    site's time zone (Europe/London)."""

    start: date | None = None
    end: date | None = None
    district_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None  # a service-categories taxonomy term


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[Cell]]
    # The first `row_headers` cells of each row are headings for the row (th scope="row"); the rest are figures.
    row_headers: int = 1


@dataclass
class Bar:
    """One row of a bar chart: its label, its values by series (stacked or side by side) and an optional marker
    (a target) drawn as a line across the row."""

    label: str
    values: list[Count | float | None]
    marker: float | None = None


@dataclass
class BarChart:
    title: str
    # One or two sentences for screen readers saying what the chart shows; the table beside it has the figures.
    description: str
    unit: str  # what the axis counts: "referrals", "working days", "weeks"
    series: list[str]
    bars: list[Bar]
    stacked: bool = True
    marker_label: str | None = None  # what the marker means: "Target"


@dataclass
class LineChart:
    title: str
    description: str
    unit: str
    x_labels: list[str]
    # (series name, one value per x label; None where there is no figure)
    series: list[tuple[str, list[float | None]]]


@dataclass
class Section:
    slug: str  # names the section's CSV file
    heading: str
    table: Table
    chart: BarChart | LineChart | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    slug: str
    title: str
    summary: str
    sections: list[Section]
    # The filters this report reads: any of "dates", "district", "category".
    uses: tuple[str, ...] = ("dates", "district", "category")
