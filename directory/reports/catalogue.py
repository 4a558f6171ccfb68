"""The reports admins can read, in the order they are listed, and the one call the pages make to build one: reports
whose figures come from families' records (decrypted to be counted) leave one audit entry for each view."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from directory.audit import record as audit
from directory.db import begin_write
from directory.reports import (
    declines,
    first_response,
    key_worker_waits,
    listing_freshness,
    published_waits,
    referrals_by_month,
    waiting_times,
)
from directory.reports.model import Filters, Report


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    description: str  # one line for the list of reports
    build: Callable[[Session, Filters, date], Report]
    # The filters the report reads (the same as its Report.uses): the page offers only these.
    uses: tuple[str, ...] = ("dates", "district", "category")
    # The report reads families' records (their district, decrypted): each view is audited.
    reads_records: bool = False


def from_module(module, description: str, uses: tuple[str, ...] = ("dates", "district", "category"),
                reads_records: bool = False) -> Entry:
    """An entry for a report module with `slug`, `title` and `build` (upper or lower case names)."""
    return Entry(getattr(module, "SLUG", None) or module.slug, getattr(module, "TITLE", None) or module.title,
                 description, module.build, getattr(module, "USES", uses), reads_records)


REPORTS: dict[str, Entry] = {entry.slug: entry for entry in (
    from_module(referrals_by_month, "Referrals sent to each service in each month, by where each one is now."),
    from_module(first_response, "Working days each service took to first answer a referral, against its target."),
    from_module(waiting_times, "Published waiting times for each type of help over time, and days from referral "
                               "to acceptance."),
    from_module(declines, "Declined referrals by reason, area of need and district: where local provision falls "
                          "short."),
    Entry(listing_freshness.SLUG, listing_freshness.TITLE,
          "Active services by when their listing was last checked, for each type of help.",
          listing_freshness.build, listing_freshness.USES),
    Entry(key_worker_waits.SLUG, key_worker_waits.TITLE,
          "Families with no key worker yet, by district and how long they have waited.",
          key_worker_waits.build, key_worker_waits.USES, reads_records=True),
    Entry(published_waits.SLUG, "Published waiting times",
          "Each active service's own published waiting time and when it was updated, for each type of help.",
          published_waits.build, published_waits.USES),
)}


def get(slug: str) -> Entry | None:
    return REPORTS.get(slug)


def run(session: Session, entry: Entry, filters: Filters, today: date, user_id: uuid.UUID | None,
        section: str | None = None) -> Report:
    """Build the report. One that reads families' records writes one audit entry for this view (or this download
    of `section`) and commits it; the others only read."""
    if not entry.reads_records:
        return entry.build(session, filters, today)
    begin_write(session)
    report = entry.build(session, filters, today)
    detail = {"report": entry.slug} | ({"section": section} if section else {})
    audit(session, user_id, "report", "report", None, **detail)
    session.commit()
    return report
