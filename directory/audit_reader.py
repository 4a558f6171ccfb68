"""Reading the audit log, for admins and information governance: search it by person, family record, referral,
action and date range, a page at a time or all of it as rows for a CSV file. Every read is itself audited, with the
names of the filters used and never their values (the log holds no personal values)."""

import math
import re
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import AuditEntry, FamilyRecord, Referral, ServiceReferral, User
from directory.references import ALPHABET
from directory.working_days import LONDON

PAGE_SIZE = 50
# A download holds at most this many entries (the newest); the page says so when there were more.
EXPORT_LIMIT = 100_000
# Who did it, for an entry with no person: a command or a scheduled job.
THE_SITE = "The site"
CSV_HEADER = ("When (UK time)", "Who", "Email address", "Family record", "Action", "Object type", "Object id",
              "Detail", "Client address", "Reason")
# The most a page number may be (the form's check; a higher one is no page of any log).
MAX_PAGE = 999_999


class FilterError(ValueError):
    """Filters that cannot be used, each message fit to show, keyed by the filter's name; nothing was read."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    """What the reader typed; empty means not used."""

    person: str = ""  # an email address (the whole of it) or part of a name
    family_record: str = ""  # FAM-XXXX-XXXX, in any case, with or without spaces and dashes
    referral: str = ""  # REF-XXXX-XXXX
    action: str = ""
    date_from: date | None = None  # whole days in UK time, both inclusive
    date_to: date | None = None

    def used(self) -> list[str]:
        """The names of the filters used: what goes in the audit log (their values never do)."""
        return [f.name for f in fields(self) if getattr(self, f.name) not in ("", None)]


@dataclass
class Row:
    id: uuid.UUID
    at: datetime
    person: str  # the person's name, or THE_SITE
    email: str | None
    family_reference: str | None
    action: str
    object_type: str
    object_id: uuid.UUID | None
    detail: dict
    client_address: str | None
    reason: str | None

    @property
    def detail_text(self) -> str:
        """ "fields: child.district; page: assign a key worker" (the detail holds names, never values)."""
        return "; ".join(f"{key}: {_shown(value)}" for key, value in sorted(self.detail.items()))


@dataclass
class Page:
    rows: list[Row]
    total: int  # entries matching the filters, on every page
    page: int
    pages: int  # at least 1

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def past_the_end(self) -> bool:
        return self.page > self.pages


@dataclass
class Export:
    rows: list[Row]
    total: int
    capped: bool  # more entries matched than EXPORT_LIMIT: the newest EXPORT_LIMIT are in rows


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def normalise_reference(prefix: str, text: str) -> str | None:
    """ "ref abcd 2345", "REF-ABCD-2345" or "abcd2345" -> "REF-ABCD-2345"; None if it cannot be one."""
    compact = re.sub(r"[\s\-\u2010-\u2015]", "", text or "").upper()
    found = re.fullmatch(rf"(?:{prefix})?([{ALPHABET}]{{8}})", compact)
    if found is None:
        return None
    code = found.group(1)
    return f"{prefix}-{code[:4]}-{code[4:]}"


def page_number(text: str | None) -> int | None:
    """A page number from a link: 1 when there is none, None when it is not a page number."""
    text = (text or "").strip()
    if not text:
        return 1
    # The length first: int() refuses a string of more than 4,300 digits with an error.
    if len(text) <= len(str(MAX_PAGE)) and text.isascii() and text.isdecimal() and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    return None


def actions(session: Session) -> list[str]:
    """Every action in the log, for the filter's choices."""
    return sorted(session.exec(select(AuditEntry.action).distinct()).all())


@dataclass
class _Resolved:
    where: list
    record_id: uuid.UUID | None  # the family record the search is about, if any


def _resolve(session: Session, filters: Filters) -> _Resolved:
    """The conditions for these filters, or FilterError naming each filter that finds nothing."""
    where, errors, record_id = [], {}, None
    if filters.person:
        wanted = filters.person.strip()
        if "@" in wanted:
            people = select(User.id).where(func.lower(User.email) == wanted.lower())
            missing = f"No one has the email address {wanted}"
        else:
            people = select(User.id).where(func.lower(User.name).contains(wanted.lower(), autoescape=True))
            missing = f"No one's name includes {wanted}"
        ids = list(session.exec(people).all())
        if ids:
            where.append(AuditEntry.user_id.in_(ids))
        else:
            errors["person"] = missing
    if filters.family_record:
        reference = normalise_reference("FAM", filters.family_record)
        found = session.exec(select(FamilyRecord.id).where(FamilyRecord.reference == reference)).first() \
            if reference else None
        if reference is None:
            errors["family_record"] = "Enter the family reference in the correct format, like FAM-ABCD-2345"
        elif found is None:
            errors["family_record"] = f"No family record has the reference {reference}"
        else:
            where.append(AuditEntry.record_id == found)
            record_id = found
    if filters.referral:
        reference = normalise_reference("REF", filters.referral)
        referral = session.exec(select(Referral).where(Referral.reference == reference)).first() \
            if reference else None
        if reference is None:
            errors["referral"] = "Enter the referral reference in the correct format, like REF-ABCD-2345"
        elif referral is None:
            errors["referral"] = f"No referral has the reference {reference}"
        else:
            parts = session.exec(select(ServiceReferral.id).where(ServiceReferral.referral_id == referral.id)).all()
            where.append(AuditEntry.object_id.in_([referral.id, *parts]))
            record_id = record_id or referral.record_id
    if filters.action:
        where.append(AuditEntry.action == filters.action)
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["date_to"] = "The date to must be the same as or after the date from"
    if filters.date_from:
        where.append(AuditEntry.at >= start_of(filters.date_from))
    if filters.date_to:
        where.append(AuditEntry.at < start_of(filters.date_to + timedelta(days=1)))
    if errors:
        raise FilterError(errors)
    return _Resolved(where, record_id)


def start_of(day: date) -> datetime:
    """Midnight at the start of this day in the UK (BST or GMT), in UTC."""
    return datetime.combine(day, time.min, LONDON).astimezone(UTC)


def _entries(where: list):
    return (select(AuditEntry, User.name, User.email, FamilyRecord.reference)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .outerjoin(FamilyRecord, FamilyRecord.id == AuditEntry.record_id)
            .where(*where)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def _row(entry: AuditEntry, name: str | None, email: str | None, reference: str | None) -> Row:
    return Row(entry.id, entry.at, name if entry.user_id else THE_SITE, email, reference, entry.action,
               entry.object_type, entry.object_id, dict(entry.detail or {}), entry.client_address, entry.reason)


def _count(session: Session, where: list) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry).where(*where)).one()


def search(session: Session, reader_id: uuid.UUID, filters: Filters, page: int = 1) -> Page:
    """One page of the entries matching the filters, newest first; the read audited and committed. A page past
    the end has no rows. FilterError (nothing read, nothing written) when a filter finds nothing to search by."""
    resolved = _resolve(session, filters)
    begin_write(session)
    total = _count(session, resolved.where)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    found = session.exec(_entries(resolved.where).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all() \
        if page <= pages else []
    rows = [_row(*item) for item in found]
    audit(session, reader_id, "view", "audit_log", None, record_id=resolved.record_id, filters=filters.used(),
          page=page)
    session.commit()
    return Page(rows, total, page, pages)


def export(session: Session, reader_id: uuid.UUID, filters: Filters) -> Export:
    """Every entry matching the filters, newest first, up to EXPORT_LIMIT; the export audited (filter names and
    the number of rows) and committed. FilterError as for `search`."""
    resolved = _resolve(session, filters)
    begin_write(session)
    total = _count(session, resolved.where)
    rows = [_row(*item) for item in session.exec(_entries(resolved.where).limit(EXPORT_LIMIT))]
    audit(session, reader_id, "export", "audit_log", None, record_id=resolved.record_id, filters=filters.used(),
          rows=len(rows))
    session.commit()
    return Export(rows, total, total > len(rows))


def uk_time(moment: datetime) -> str:
    """ "1 December 2026, 2:05pm" in UK time (BST or GMT)."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def csv_rows(rows: list[Row]) -> list[list]:
    """The rows as CSV cells, in CSV_HEADER's order (directory.csv_files makes them spreadsheet-safe)."""
    return [[uk_time(row.at), row.person, row.email or "", row.family_reference or "", row.action, row.object_type,
             row.object_id or "", row.detail_text, row.client_address or "", row.reason or ""] for row in rows]
