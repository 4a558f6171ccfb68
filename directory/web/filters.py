"""Template filters that put data into plain English."""

from datetime import date

from flask import Flask
from markupsafe import Markup, escape


def age_range(minimum: int, maximum: int) -> str:
    if minimum == 0:
        return f"From birth to {maximum} years"
    return f"{minimum} to {maximum} years"


def weeks(count: int | None) -> str:
    if count is None:
        return "Not published"
    if count == 0:
        return "No wait"
    if count >= 104 and count % 52 < 9:
        return f"About {round(count / 52)} years ({count} weeks)"
    if count >= 9:
        months = round(count * 12 / 52)
        return f"About {months} months ({count} weeks)"
    return "1 week" if count == 1 else f"{count} weeks"


def uk_date(value: date | str | None) -> str:
    """ "14 May 2026", from a date, a datetime or an ISO date string."""
    if isinstance(value, str) and value:
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}" if value else "Not recorded"


def paragraphs(text: str) -> Markup:
    """Blank-line separated text as escaped GOV.UK body paragraphs."""
    parts = [part.strip() for part in (text or "").split("\n\n") if part.strip()]
    return Markup("\n").join(Markup('<p class="govuk-body">%s</p>') % escape(part) for part in parts)


def lookup(codes, names: dict) -> list:
    """Codes to their names (a code without a name stays as it is), without repeats."""
    return list(dict.fromkeys(names.get(code, code) for code in codes))


def init_app(app: Flask) -> None:
    app.add_template_filter(weeks)
    app.add_template_filter(uk_date)
    app.add_template_filter(paragraphs)
    app.add_template_filter(lookup)
    app.add_template_global(age_range)
    from directory.web import charts

    charts.init_app(app)
