"""Chart geometry: a report's BarChart or LineChart turned into the shapes of an SVG (coordinates, fills, text),
which templates/components/charts.html draws. No script and no stylesheet: every colour and size is an attribute, so
the chart reads the same anywhere; the viewBox scales it to the screen.

Series differ by colour and by pattern (bars) or by dash and point shape (lines); colours are the GOV.UK palette's
darker ones (3:1 or more against white). A suppressed count is never drawn at its length: it is a fixed-width
hatched mark with its own legend entry."""

import math
from dataclasses import dataclass, field

from directory.reports.cells import Link, cell_text, number_text
from directory.reports.model import BarChart, LineChart, Table
from directory.reports.suppression import Count

WIDTH = 400
LABEL_SIZE = 16
TICK_SIZE = 14
LABEL_CHARS = 40
HIDDEN_WIDTH = 24  # the fixed width of a suppressed count's mark, whatever its value
HIDDEN_LEGEND = "Fewer than 5: not shown"
INK = "#0b0c0c"
GRID = "#b1b4b6"
MUTED = "#505a5f"

# (colour, pattern) for each series in turn; "diagonal" is kept for suppressed counts.
# Ten pairs, none repeated (a report of every status has nine series), each colour at least 3:1 against white.
PALETTE = [("#1d70b8", "solid"), ("#00703c", "horizontal"), ("#4c2c92", "dots"), ("#d4351c", "vertical"),
           ("#003078", "cross"), ("#d53880", "solid"), ("#0b0c0c", "dots"), ("#005a30", "vertical"),
           ("#912b88", "horizontal"), ("#505a5f", "cross")]
DASHES = ["", "8 4", "2 4", "12 4 2 4", "4 4", "", "8 4", "2 4", "12 4 2 4", "4 4"]
POINTS = ["circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond", "circle", "square"]


@dataclass
class Shape:
    kind: str  # rect, line, text, polyline, circle, polygon
    attrs: dict
    text: str = ""
    title: str = ""  # a tooltip for sighted mouse users; the table is the accessible source


@dataclass
class Pattern:
    id: str
    colour: str
    kind: str  # horizontal, dots, vertical, cross, diagonal


@dataclass
class Layout:
    id: str
    title: str
    description: str
    height: int
    width: int = WIDTH
    patterns: list[Pattern] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)


def layout(chart: BarChart | LineChart, chart_id: str) -> Layout:
    return bar_layout(chart, chart_id) if isinstance(chart, BarChart) else line_layout(chart, chart_id)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _shown(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Count):
        return value.shown
    return value


def _hidden(value) -> bool:
    return isinstance(value, Count) and value.hidden


def nice_ticks(largest: float) -> list[float]:
    """0 and up to 5 evenly spaced round numbers (1, 2 or 5 times a power of ten) reaching `largest`."""
    if largest <= 0:
        return [0, 1]
    step = 10 ** math.floor(math.log10(largest / 5)) if largest >= 5 else 1
    for multiple in (1, 2, 5, 10, 20, 50):
        if largest / (step * multiple) <= 5:
            step *= multiple
            break
    top = math.ceil(largest / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _text(x, y, text, size=LABEL_SIZE, anchor="start", weight="normal", fill=INK) -> Shape:
    return Shape("text", {"x": round(x, 1), "y": round(y, 1), "font-size": size, "text-anchor": anchor,
                          "font-weight": weight, "fill": fill}, text=text)


class _Fills:
    """Each series' fill (a colour, or a pattern over it), and the hatch of a suppressed count."""

    def __init__(self, target: Layout):
        self.layout = target

    def series(self, index: int) -> str:
        colour, kind = PALETTE[index % len(PALETTE)]
        if kind == "solid":
            return colour
        pattern_id = f"{self.layout.id}-series-{index}"
        if not any(p.id == pattern_id for p in self.layout.patterns):
            self.layout.patterns.append(Pattern(pattern_id, colour, kind))
        return f"url(#{pattern_id})"

    def hatch(self) -> str:
        pattern_id = f"{self.layout.id}-hidden"
        if not any(p.id == pattern_id for p in self.layout.patterns):
            self.layout.patterns.append(Pattern(pattern_id, INK, "diagonal"))
        return f"url(#{pattern_id})"


def _legend(target: Layout, fills: _Fills, entries: list[tuple[str, str, int | None]], y: float,
            line_series: bool = False) -> float:
    """Entries (kind, text, series index), one a line; returns the y below them."""
    for kind, text, index in entries:
        if kind == "series" and not line_series:
            target.shapes.append(Shape("rect", {"x": 0, "y": y, "width": 20, "height": 16,
                                                "fill": fills.series(index), "stroke": INK, "stroke-width": 1}))
        elif kind == "series":
            colour = PALETTE[index % len(PALETTE)][0]
            target.shapes.append(Shape("line", {"x1": 0, "y1": y + 8, "x2": 28, "y2": y + 8, "stroke": colour,
                                                "stroke-width": 3, "stroke-dasharray": DASHES[index % len(DASHES)]}))
            target.shapes.append(_point(14, y + 8, index))
        elif kind == "hidden":
            target.shapes.append(Shape("rect", {"x": 0, "y": y, "width": 20, "height": 16, "fill": fills.hatch(),
                                                "stroke": INK, "stroke-width": 1.5}))
        elif kind == "marker":
            target.shapes.append(Shape("line", {"x1": 10, "y1": y - 2, "x2": 10, "y2": y + 18, "stroke": INK,
                                                "stroke-width": 3}))
        target.shapes.append(_text(36, y + 14, text))
        y += 26
    return y


def _axis(target: Layout, ticks: list[float], x_of, top: float, bottom: float, unit: str) -> float:
    """Gridlines from `top` to `bottom`, the axis line, labelled ticks and the unit; returns the y below."""
    for tick in ticks:
        x = x_of(tick)
        target.shapes.append(Shape("line", {"x1": round(x, 1), "y1": top, "x2": round(x, 1), "y2": bottom,
                                            "stroke": GRID, "stroke-width": 1}))
    target.shapes.append(Shape("line", {"x1": x_of(0), "y1": bottom, "x2": round(x_of(ticks[-1]), 1), "y2": bottom,
                                        "stroke": INK, "stroke-width": 1.5}))
    for i, tick in enumerate(ticks):
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        target.shapes.append(_text(x_of(tick), bottom + 18, number_text(tick), TICK_SIZE, anchor))
    target.shapes.append(_text(x_of(0), bottom + 40, unit[:1].upper() + unit[1:], TICK_SIZE, fill=MUTED))
    return bottom + 48


def bar_layout(chart: BarChart, chart_id: str) -> Layout:
    target = Layout(chart_id, chart.title, chart.description, 0)
    fills = _Fills(target)
    values = [value for bar in chart.bars for value in bar.values]
    has_hidden = any(_hidden(v) for v in values)
    has_marker = any(bar.marker is not None for bar in chart.bars)
    entries = [("series", name, i) for i, name in enumerate(chart.series)]
    if has_marker:
        entries.append(("marker", chart.marker_label or "Target", None))
    if has_hidden:
        entries.append(("hidden", HIDDEN_LEGEND, None))
    y = _legend(target, fills, entries, 4) + 10

    stacked = chart.stacked and len(chart.series) > 1
    lengths = [sum(_shown(v) or 0 for v in bar.values) if stacked else max((_shown(v) or 0 for v in bar.values),
                                                                          default=0) for bar in chart.bars]
    lengths += [bar.marker for bar in chart.bars if bar.marker is not None]
    ticks = nice_ticks(max(lengths, default=0))
    # Room on the right: stacked, for the hidden marks after the longest stack; side by side, for a value's figure
    # after the longest bar.
    most_hidden = max((sum(_hidden(v) for v in bar.values) for bar in chart.bars), default=0)
    left = 4
    plot = WIDTH - left - (max(16, most_hidden * (HIDDEN_WIDTH + 2) + 8) if stacked else 60)

    def x_of(value: float) -> float:
        return left + value / ticks[-1] * plot

    plot_top = y
    bars: list[Shape] = []
    for bar in chart.bars:
        bars.append(_text(left, y + LABEL_SIZE, _short(bar.label), weight="bold"))
        y += LABEL_SIZE + 6
        if stacked:
            height, x = 20, x_of(0)
            for i, value in enumerate(bar.values):
                shown = _shown(value)
                if shown:
                    width = x_of(shown) - x_of(0)
                    bars.append(Shape("rect", {"x": round(x, 1), "y": y, "width": round(width, 1), "height": height,
                                               "fill": fills.series(i), "stroke": "#ffffff", "stroke-width": 1,
                                               "data-bar": bar.label, "data-series": chart.series[i],
                                               "data-value": cell_text(value)},
                                      title=f"{bar.label}, {chart.series[i]}: {cell_text(value)}"))
                    x += width
            for i, value in enumerate(bar.values):
                if _hidden(value):
                    x += 2
                    bars.append(_hidden_mark(fills, x, y, height, PALETTE[i % len(PALETTE)][0],
                                             chart.series[i], cell_text(value), bar.label))
                    x += HIDDEN_WIDTH
            rows = [(y, height)]
            y += height
        else:
            height, rows = 16, []
            for i, value in enumerate(bar.values):
                rows.append((y, height))
                shown = _shown(value)
                if _hidden(value):
                    bars.append(_hidden_mark(fills, x_of(0), y, height, PALETTE[i % len(PALETTE)][0],
                                             chart.series[i], cell_text(value), bar.label))
                    bars.append(_text(x_of(0) + HIDDEN_WIDTH + 6, y + 13, cell_text(value), TICK_SIZE))
                elif shown is not None:
                    width = x_of(shown) - x_of(0)
                    bars.append(Shape("rect", {"x": x_of(0), "y": y, "width": round(width, 1), "height": height,
                                               "fill": fills.series(i), "data-bar": bar.label,
                                               "data-series": chart.series[i], "data-value": cell_text(value)},
                                      title=f"{bar.label}, {chart.series[i]}: {cell_text(value)}"))
                    bars.append(_text(x_of(shown) + 6, y + 13, cell_text(value), TICK_SIZE))
                y += height + 2
        if bar.marker is not None:
            x = round(x_of(bar.marker), 1)
            bars.append(Shape("line", {"x1": x, "y1": rows[0][0] - 4, "x2": x, "y2": rows[-1][0] + rows[-1][1] + 4,
                                       "stroke": INK, "stroke-width": 3, "data-marker": number_text(bar.marker)},
                              title=f"{bar.label}, {chart.marker_label or 'Target'}: {number_text(bar.marker)}"))
        y += 12
    if not chart.bars:
        bars.append(_text(left, y + LABEL_SIZE, "No figures to draw"))
        y += LABEL_SIZE + 12
    target.height = int(_axis(target, ticks, x_of, plot_top, y, chart.unit) + 4)
    target.shapes.extend(bars)  # after the gridlines, so bars are drawn over them
    return target


def _hidden_mark(fills: _Fills, x: float, y: float, height: float, colour: str, series: str, words: str,
                 label: str) -> Shape:
    return Shape("rect", {"x": round(x, 1), "y": y, "width": HIDDEN_WIDTH, "height": height, "fill": fills.hatch(),
                          "stroke": colour, "stroke-width": 2, "data-bar": label, "data-series": series,
                          "data-value": words, "data-hidden": "true"}, title=f"{label}, {series}: {words}")


def _point(x: float, y: float, index: int) -> Shape:
    colour = PALETTE[index % len(PALETTE)][0]
    shape = POINTS[index % len(POINTS)]
    x, y = round(x, 1), round(y, 1)
    if shape == "circle":
        return Shape("circle", {"cx": x, "cy": y, "r": 5, "fill": colour})
    if shape == "square":
        return Shape("rect", {"x": x - 4.5, "y": y - 4.5, "width": 9, "height": 9, "fill": colour})
    if shape == "triangle":
        return Shape("polygon", {"points": f"{x},{y - 6} {x + 6},{y + 5} {x - 6},{y + 5}", "fill": colour})
    return Shape("polygon", {"points": f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}", "fill": colour})


def line_layout(chart: LineChart, chart_id: str) -> Layout:
    target = Layout(chart_id, chart.title, chart.description, 0)
    fills = _Fills(target)
    has_hidden = any(_hidden(v) for _, values in chart.series for v in values)
    entries = [("series", name, i) for i, (name, _) in enumerate(chart.series)]
    if has_hidden:
        entries.append(("hidden", HIDDEN_LEGEND, None))
    y = _legend(target, fills, entries, 4, line_series=True) + 10
    ticks = nice_ticks(max((_shown(v) or 0 for _, values in chart.series for v in values), default=0))
    left, right, height = 44, WIDTH - 16, 200
    bottom = y + 8 + height
    count = len(chart.x_labels)

    def x_at(i: int) -> float:
        return (left + right) / 2 if count <= 1 else left + i * (right - left) / (count - 1)

    def y_of(value: float) -> float:
        return bottom - value / ticks[-1] * height

    for tick in ticks:
        target.shapes.append(Shape("line", {"x1": left, "y1": round(y_of(tick), 1), "x2": right,
                                            "y2": round(y_of(tick), 1), "stroke": GRID, "stroke-width": 1}))
        target.shapes.append(_text(left - 6, y_of(tick) + 5, number_text(tick), TICK_SIZE, "end"))
    target.shapes.append(Shape("line", {"x1": left, "y1": bottom, "x2": right, "y2": bottom, "stroke": INK,
                                        "stroke-width": 1.5}))
    step = max(1, math.ceil(count / 4))
    for i, label in enumerate(chart.x_labels):
        if i % step == 0:
            anchor = "start" if count > 1 and i == 0 else "end" if count > 1 and i == count - 1 else "middle"
            target.shapes.append(_text(x_at(i), bottom + 20, _short(label), TICK_SIZE, anchor))
    target.shapes.append(_text(left, bottom + 42, chart.unit[:1].upper() + chart.unit[1:], TICK_SIZE, fill=MUTED))

    for index, (name, values) in enumerate(chart.series):
        colour = PALETTE[index % len(PALETTE)][0]
        run: list[tuple[float, float]] = []
        for i, value in enumerate(list(values) + [None]):
            shown = _shown(value)
            if shown is None:
                if len(run) > 1:
                    target.shapes.append(Shape("polyline", {
                        "points": " ".join(f"{round(px, 1)},{round(py, 1)}" for px, py in run), "fill": "none",
                        "stroke": colour, "stroke-width": 3, "stroke-dasharray": DASHES[index % len(DASHES)]}))
                run = []
            else:
                run.append((x_at(i), y_of(shown)))
        for i, value in enumerate(values):
            label = chart.x_labels[i] if i < len(chart.x_labels) else ""
            if _hidden(value):
                target.shapes.append(Shape("rect", {
                    "x": round(x_at(i) - 6, 1), "y": bottom - 12, "width": 12, "height": 12, "fill": fills.hatch(),
                    "stroke": colour, "stroke-width": 2, "data-series": name, "data-value": cell_text(value),
                    "data-hidden": "true"}, title=f"{name}, {label}: {cell_text(value)}"))
            elif _shown(value) is not None:
                point = _point(x_at(i), y_of(_shown(value)), index)
                point.attrs.update({"data-series": name, "data-value": cell_text(value)})
                point.title = f"{name}, {label}: {cell_text(value)}"
                target.shapes.append(point)
    target.height = int(bottom + 52)
    return target


def numeric_columns(table: Table) -> list[bool]:
    """Which columns hold figures (right-aligned, header too): past the row headings, with a number or a count in
    them."""
    width = max([len(table.header)] + [len(row) for row in table.rows])
    return [j >= table.row_headers and any(j < len(row) and _is_number(row[j]) for row in table.rows)
            for j in range(width)]


def _is_number(cell) -> bool:
    return isinstance(cell, Count) or (isinstance(cell, int | float) and not isinstance(cell, bool))


def init_app(app) -> None:
    """The template globals and test that templates/components/charts.html uses."""
    app.add_template_global(layout, "report_chart_layout")
    app.add_template_global(cell_text, "report_cell")
    app.add_template_global(numeric_columns, "report_numeric_columns")
    app.jinja_env.tests["report_link"] = lambda value: isinstance(value, Link)
