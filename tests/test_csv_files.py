"""CSV downloads cannot carry a spreadsheet formula: cells starting with =, +, -, @ (or a tab or carriage return)
are written as text."""

import csv
import io

import pytest

from directory.csv_files import safe_cell, write_csv


@pytest.mark.parametrize("value, written", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+44 1234", "'+44 1234"),
    ("-3", "'-3"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("fewer than 5", "fewer than 5"),
    ("a=b", "a=b"),
    (12, "12"),
    (None, ""),
])
def test_cells_that_a_spreadsheet_would_run_are_written_as_text(value, written):
    assert safe_cell(value) == written


def test_a_file_reads_back_with_its_header_and_escaped_cells():
    text = write_csv(["Name", "Count"], [["=HYPERLINK(\"http://x\")", 3], ["Speech, language", "fewer than 5"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Name", "Count"], ["'=HYPERLINK(\"http://x\")", "3"], ["Speech, language", "fewer than 5"]]
