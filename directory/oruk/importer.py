"""Import an Open Referral UK feed into the directory through the one listing writer: all or nothing, upserting by
id, one listing revision for each service that changed; a lead's pending change requests are left waiting and
reported; with `withdraw_missing`, services the feed does not list are made inactive in the same revision."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from directory.db import begin_write
from directory.listings import change_requests
from directory.listings.writer import apply_services
from directory.models import (
    Address,
    Contact,
    District,
    Language,
    Location,
    Organisation,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from directory.models.accounts import utcnow
from directory.oruk.read import Reading, Source, Term, Vocabulary, read_feed
from directory.seed import SeedReport
from directory.seed.export import service_entries
from directory.seed.files import check_services, validate_document
from directory.seed.known import known_from_database
from directory.working_days import local_date

# What the directory's own checks call the mapped feed in their messages.
MAPPED = "the feed in the directory's format"
WITHDRAWN_STATUSES = ("active", "temporarily closed")  # inactive and defunct services are withdrawn already


class ImportRefused(Exception):
    """The feed cannot be imported; each problem names the document and the field. Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Imported:
    report: SeedReport
    services: int  # in the feed
    not_mapped: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # a line for each service with pending change requests
    withdrawn: list[str] = field(default_factory=list)  # names of the services made inactive
    revisions: int = 0

    def lines(self) -> list[str]:
        out = [f"Read {self.services} service(s) from the feed."]
        out += self.report.lines() if self.report.changes else ["No changes: the directory already matches the feed."]
        if self.withdrawn:
            out.append(f"Made inactive ({len(self.withdrawn)}), not in the feed: " + ", ".join(self.withdrawn))
        if self.not_mapped:
            out.append(f"Not imported ({len(self.not_mapped)}):")
            out += [f"  - {line}" for line in self.not_mapped]
        if self.pending:
            out.append("Pending change requests from leads, left waiting for an admin:")
            out += [f"  - {line}" for line in self.pending]
        return out


def vocabulary(session: Session) -> Vocabulary:
    terms = [Term(str(term_id), code, name, slug, str(taxonomy_id)) for term_id, code, name, slug, taxonomy_id in
             session.exec(select(TaxonomyTerm.id, TaxonomyTerm.code, TaxonomyTerm.name, Taxonomy.slug, Taxonomy.id)
                          .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
                          .order_by(Taxonomy.slug, TaxonomyTerm.position))]
    districts = list(session.exec(select(District.slug, District.name).order_by(District.slug)).all())
    slugs = {slug: str(service_id) for slug, service_id in session.exec(select(Service.slug, Service.id))}
    entries: dict[str, dict] = {}

    def existing(service_id: str) -> dict | None:
        if service_id not in slugs.values():
            return None
        if service_id not in entries:
            entries[service_id] = service_entries(session, [uuid.UUID(service_id)]).get(uuid.UUID(service_id))
        return entries[service_id]

    return Vocabulary(terms=terms, districts=districts, existing=existing, slug_owner=slugs.get)


def import_feed(session: Session, sources: list[Source], *, withdraw_missing: bool = False,
                today: date | None = None) -> Imported:
    """Check and map the feed, then write it; raises ImportRefused having written nothing. The caller commits."""
    begin_write(session)
    reading = read_feed(sources, vocabulary(session), today or local_date(utcnow()))
    if reading.problems:
        raise ImportRefused(reading.problems)
    document = reading.document
    result = Imported(SeedReport(), len(document["services"]), reading.not_mapped)
    if withdraw_missing and not reading.service_ids:
        raise ImportRefused(["The feed lists no services: with --withdraw-missing every service would be withdrawn"])
    if withdraw_missing:
        listed = set(reading.service_ids)
        missing = [service for service in session.exec(select(Service).where(Service.status.in_(WITHDRAWN_STATUSES))
                                                        .order_by(Service.name))
                   if str(service.id) not in listed]
        entries = service_entries(session, [service.id for service in missing])
        for service in missing:
            document["services"].append({**entries[service.id], "status": "inactive"})
            result.withdrawn.append(service.name)
    problems = _checked(session, reading)
    if problems:
        raise ImportRefused(problems)
    try:
        applied = apply_services(session, document, source="open_referral", report=result.report,
                                 reason="Open Referral UK import")
    except (DataError, IntegrityError) as error:  # a value longer than its column, or a clash no check foresaw
        session.rollback()
        raise ImportRefused([f"The database refused the feed: {str(error.orig).splitlines()[0]}"]) from None
    result.revisions = len(applied.revisions)
    result.pending = _pending(session, [uuid.UUID(entry["id"]) for entry in document["services"]])
    return result


# Import-format fields whose database column has a length limit (the import format's schema has none).
COLUMNS = {
    "organisations": {"name": Organisation.name, "website": Organisation.website, "email": Organisation.email},
    "locations": {"name": Location.name},
    "address": {"address_1": Address.address_1, "address_2": Address.address_2, "city": Address.city,
                "state_province": Address.state_province, "postal_code": Address.postal_code},
    "services": {"name": Service.name, "url": Service.url, "email": Service.email},
    "contacts": {"name": Contact.name, "title": Contact.title},
    "languages": {"name": Language.name},
}


def _too_long(document: dict) -> list[str]:
    """Values longer than their column (the same answer on SQLite, which would keep them, and PostgreSQL)."""
    problems = []

    def check(kind: str, record: dict, where: str, prefix: str = "") -> None:
        for key, column in COLUMNS[kind].items():
            value, limit = record.get(key), column.type.length
            if isinstance(value, str) and len(value) > limit:
                problems.append(f'{MAPPED}: {where}: field "{prefix}{key}": is longer than {limit} characters')

    for organisation in document["organisations"]:
        check("organisations", organisation, f'organisation "{organisation["id"]}"')
    for location in document["locations"]:
        check("locations", location, f'location "{location["id"]}"')
        check("address", location.get("address") or {}, f'location "{location["id"]}"', "address.")
    for number, service in enumerate(document["services"], start=1):
        where = f'service "{service["id"]}" (record {number})'
        check("services", service, where)
        for kind in ("contacts", "languages"):
            for index, item in enumerate(service.get(kind) or []):
                if isinstance(item, dict):
                    check(kind, item, where, f"{kind}[{index + 1}].")
    return problems


def _checked(session: Session, reading: Reading) -> list[str]:
    """The directory's own checks of the mapped document (its schema, then references and lengths), each problem
    naming the feed's document and service."""
    document = reading.document
    problems = validate_document(document, MAPPED)
    if not problems:
        problems = check_services(MAPPED, {**document, "other_service_ids": set()}, known_from_database(session))
        problems += _too_long(document)
    names = {entry["id"]: entry["name"] for entry in document["services"]}

    def name_service(match: re.Match) -> str:
        service_id = match.group(1)
        return f'service "{names.get(service_id, "")}" ({service_id})'

    return [re.sub(r'service "([^"]+)" \(record \d+\)', name_service, problem) for problem in problems]


def _pending(session: Session, service_ids: list[uuid.UUID]) -> list[str]:
    """A line for each pending change request of these services: the import never touches them, but approving
    one whose fields have changed since the lead asked is refused (directory.listings.change_requests)."""
    lines = []
    for service_id in service_ids:
        requests = change_requests.pending_for(session, service_id)
        if not requests:
            continue
        service = session.get(Service, service_id)
        for request in requests:
            section = change_requests.section_of(request.section)
            title = section.title if section else request.section
            line = f'"{service.name}": a change to "{title}" ({", ".join(sorted(request.changes))})'
            clashes = change_requests.changed_since(session, request)
            if clashes:
                line += f"; {', '.join(sorted(clashes))} changed since the lead asked, so approving it will be refused"
            lines.append(line)
    return lines
