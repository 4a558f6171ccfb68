"""The API's query parameters: read, checked, and refused with a message naming the parameter (HTTP 400)."""

import math
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

from werkzeug.datastructures import MultiDict

from directory.oruk.publish import DEFAULT_PER_PAGE, MAX_PER_PAGE

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}
MAX_TEXT = 200
MAX_PAGE = 1_000_000


class BadParameter(Exception):
    """A query parameter that cannot be used; the message says which and why."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _value(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise BadParameter(name, f"{name} is given more than once: give it once")
    value = values[0].strip() if values else ""
    return value or None


def text(args: MultiDict, name: str) -> str | None:
    value = _value(args, name)
    if value is not None and len(value) > MAX_TEXT:
        raise BadParameter(name, f"{name} must be {MAX_TEXT} characters or fewer")
    return value


def whole_number(args: MultiDict, name: str, default: int, minimum: int, maximum: int) -> int:
    value = _value(args, name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise BadParameter(name, f"{name} must be a whole number from {minimum} to {maximum}")
    number = int(value)
    if number < minimum or number > maximum:
        raise BadParameter(name, f"{name} must be a whole number from {minimum} to {maximum}")
    return number


def paging(args: MultiDict) -> tuple[int, int]:
    """(page, per_page): page from 1; per_page from 1, at most MAX_PER_PAGE (a larger one is cut to it)."""
    page = whole_number(args, "page", 1, 1, MAX_PAGE)
    value = _value(args, "per_page")
    if value is not None and value.isascii() and value.isdigit() and int(value) > MAX_PER_PAGE:
        return page, MAX_PER_PAGE
    return page, whole_number(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def boolean(args: MultiDict, name: str) -> bool:
    value = _value(args, name)
    if value is None:
        return False
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise BadParameter(name, f"{name} must be true or false")


def identifier(args: MultiDict, name: str) -> uuid.UUID | None:
    value = _value(args, name)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadParameter(name, f"{name} must be a UUID, like 3f7b145d-84af-42d7-8fae-eaca714b02b2") from None


def age(args: MultiDict, name: str) -> float | None:
    value = _value(args, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or number > 150:
        raise BadParameter(name, f"{name} must be an age in years from 0 to 150")
    return number


# RFC 3339 / ISO 8601: a date, or a date and time with seconds, any fraction and an optional offset.
_MOMENT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
                     r"([Zz]|[+-]\d{2}:?\d{2})?)?$")


def moment(args: MultiDict, name: str) -> datetime | None:
    """An ISO 8601 date-time (or a date: its midnight), UTC unless it says otherwise."""
    value = _value(args, name)
    if value is None:
        return None
    # A "+01:00" offset arrives as " 01:00" when the client did not encode the plus sign.
    if "T" in value.upper() and " " in value:
        value = value.replace(" ", "+")
    match = _MOMENT.match(value)
    try:
        if not match:
            raise ValueError(value)
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        # A leap second (:60) is read as the second before it; microseconds are the most Python keeps.
        parsed = datetime(max(int(year), 1), int(month), int(day), int(hour or 0), int(minute or 0),
                          min(int(second or 0), 59), int((fraction or "0")[:6].ljust(6, "0")))
        if offset and offset.upper() != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            parsed = parsed.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
        else:
            parsed = parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise BadParameter(name, f"{name} must be a date-time such as 2025-01-31T09:00:00Z, or a date such as "
                                 "2025-01-31") from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # the first or last hours of the calendar, moved by an offset
        return datetime.min.replace(tzinfo=UTC) if parsed.year == 1 else datetime.max.replace(tzinfo=UTC)


def output_format(args: MultiDict) -> str:
    value = (_value(args, "format") or "json").lower()
    if value not in ("json", "ndjson"):
        raise BadParameter("format", "format must be json or ndjson")
    return value
