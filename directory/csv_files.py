"""Spreadsheet-safe CSV: every download (reports, the audit log) is written here, so that a cell a spreadsheet
would run as a formula (one starting with =, +, -, @, or a tab or carriage return) is written as text."""

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text; a leading apostrophe makes a would-be formula plain text in Excel, LibreOffice and
    Google Sheets (OWASP's advice for CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: Iterable, rows: Iterable[Iterable]) -> str:
    """A whole CSV file: a header row then the rows, every cell made safe, with a byte-order mark so that Excel
    reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()
