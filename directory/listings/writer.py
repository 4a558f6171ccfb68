"""The one writer of listings. The seed, the import command, a lead's forms, an approved change request, a restore
and (later) the Open Referral import all change services through here, with a service's import-format entry as
the unit: the change is checked, written, kept as a listing revision (the whole entry, who, when, why), the
directory revision is bumped and a search change recorded for each listing that changed, all in the caller's
transaction (the caller commits)."""

import copy
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from directory.listings import guard
from directory.listings.revision import bump, directory_revision
from directory.listings.rows import RowWriter, SeedReport
from directory.models import ListingRevision, SearchChange, Service, ServiceAtLocation, stable_id
from directory.models.listings import SOURCES
from directory.seed.export import FORMAT, location_entries, organisation_entries, service_entries
from directory.seed.files import check_services, validate_document
from directory.seed.known import known_from_database

__all__ = ["Applied", "ListingError", "apply_services", "directory_revision", "latest_revision", "revisions",
           "service_entry", "update_service"]


# Fields an import keeps from the database when an entry leaves them out (the private referral address).
KEPT_WHEN_LEFT_OUT = ("referral_email",)


class ListingError(ValueError):
    """A change that cannot be written; `problems` says why, each fit to show. Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Applied:
    report: SeedReport
    revisions: list[ListingRevision] = field(default_factory=list)
    directory_revision: int | None = None  # the new revision, when anything changed


def service_entry(session: Session, service_id: uuid.UUID) -> dict | None:
    """The service's listing as it is now, in the import format (None if there is no such service)."""
    return service_entries(session, [service_id]).get(service_id)


def revisions(session: Session, service_id: uuid.UUID) -> list[ListingRevision]:
    """The listing's history, newest first."""
    return list(session.exec(select(ListingRevision).where(ListingRevision.service_id == service_id)
                             .order_by(ListingRevision.number.desc())))


def latest_revision(session: Session, service_id: uuid.UUID) -> int:
    """The number of the listing's latest revision (0 before its first)."""
    return session.exec(select(func.coalesce(func.max(ListingRevision.number), 0))
                        .where(ListingRevision.service_id == service_id)).one()


def apply_services(session: Session, document: dict, *, source: str, user_id: uuid.UUID | None = None,
                   reason: str | None = None, report: SeedReport | None = None, checked: bool = True) -> Applied:
    """Write an import-format services document (organisations, locations, services and their relations), already
    checked when `checked` (the seed and import commands check whole files first); keep a revision of each listing
    that changed. The caller commits."""
    if source not in SOURCES:
        raise ValueError(source)
    if not checked:
        problems = validate_document(document) or check_services("listing", {**document, "other_service_ids": set()},
                                                                  known_from_database(session))
        if problems:
            raise ListingError(problems)
    report = report or SeedReport()
    ids = [stable_id("service", service["id"]) for service in document["services"]]
    organisation_ids = [stable_id("organisation", o["id"]) for o in document.get("organisations", [])]
    location_ids = [stable_id("location", x["id"]) for x in document.get("locations", [])]
    before = service_entries(session, ids)
    places_before = (organisation_entries(session, organisation_ids), location_entries(session, location_ids))
    with guard.writing():
        RowWriter(session, report).services(document)
        session.flush()
    after = service_entries(session, ids)
    changed = [service_id for service_id in ids if before.get(service_id) != after.get(service_id)]
    # An organisation or a location changed on its own (a new name, an address): the listings that show it are
    # not new revisions, but the directory is, and their search documents are.
    shown_elsewhere = _services_showing(
        session, *_changed_entries(places_before, (organisation_entries(session, organisation_ids),
                                                   location_entries(session, location_ids)))) - set(changed)
    applied = Applied(report)
    if not changed and not shown_elsewhere:
        return applied
    applied.directory_revision = bump(session)
    for service_id in sorted(shown_elsewhere):
        session.add(SearchChange(service_id=service_id, directory_revision=applied.directory_revision))
    for service_id in changed:
        entry = after[service_id]
        previous = before.get(service_id) or {}
        revision = ListingRevision(
            service_id=service_id, number=latest_revision(session, service_id) + 1,
            directory_revision=applied.directory_revision, source=source, user_id=user_id, reason=reason,
            document=entry, changed_fields=sorted(key for key in set(entry) | set(previous)
                                                  if entry.get(key) != previous.get(key)))
        session.add(revision)
        session.add(SearchChange(service_id=service_id, directory_revision=applied.directory_revision))
        applied.revisions.append(revision)
    session.flush()
    return applied


def _changed_entries(before: tuple[dict, dict], after: tuple[dict, dict]) -> tuple[set, set]:
    """(organisation ids, location ids) whose entries differ between before and after."""
    return tuple({key for key in set(old) | set(new) if old.get(key) != new.get(key)}
                 for old, new in zip(before, after, strict=True))


def _services_showing(session: Session, organisation_ids: set, location_ids: set) -> set[uuid.UUID]:
    """The services run by these organisations or offered at these locations."""
    shown = set()
    if organisation_ids:
        shown |= set(session.exec(select(Service.id).where(Service.organisation_id.in_(sorted(organisation_ids)))))
    if location_ids:
        shown |= set(session.exec(select(ServiceAtLocation.service_id)
                                  .where(ServiceAtLocation.location_id.in_(sorted(location_ids)))))
    return shown


def update_service(session: Session, service_id: uuid.UUID, changes: dict, *, source: str,
                   user_id: uuid.UUID | None = None, reason: str | None = None) -> ListingRevision | None:
    """Change some fields of one listing ({import-format field: value}; None removes an optional field), checked
    as an import would be; the new revision, or None when nothing changed. Raises ListingError. The caller
    commits."""
    entry = service_entry(session, service_id)
    if entry is None:
        raise ListingError(["There is no such service"])
    entry = copy.deepcopy(entry)
    for key, value in changes.items():
        if value is None and key not in KEPT_WHEN_LEFT_OUT:
            entry.pop(key, None)
        else:
            entry[key] = value  # a referral address left out is kept: removing it takes an explicit null
    document = {"format": FORMAT, "organisations": [], "locations": [], "services": [entry]}
    applied = apply_services(session, document, source=source, user_id=user_id, reason=reason, checked=False)
    return applied.revisions[0] if applied.revisions else None
