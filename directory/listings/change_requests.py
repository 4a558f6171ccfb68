"""Change requests: a service lead's change to one section of their listing waits here until an admin approves it
(then it is written through the one writer, reaching the public page and search together) or rejects it with a
reason. A request keeps the listing revision it was made against and the values the lead saw: approving it after
any of those fields changed is refused. Each operation commits once."""

import copy
import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.listings import writer
from directory.listings.writer import ListingError
from directory.models import Address, District, Location, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm, User
from directory.models.accounts import UserRole, utcnow
from directory.models.listings import ChangeRequest
from directory.models.taxonomy import CATEGORIES, NEED_AREAS, SEN_TYPES
from directory.notify.queue import queue
from directory.postcodes import PostcodeError, normalise_postcode
from directory.referrals.lifecycle import is_lead
from directory.seed.export import FORMAT

MAX_REASON = 2000


@dataclass(frozen=True)
class Section:
    name: str
    title: str  # as in a sentence: "About the service"
    fields: tuple[str, ...]


# The sections of a listing a lead edits, each becoming one change request, and the import-format fields in each.
SECTIONS: dict[str, Section] = {section.name: section for section in (
    Section("about", "About the service", ("name", "summary", "description", "url", "email")),
    Section("who_for", "Who it is for", ("min_age", "max_age", "areas", "needs", "categories")),
    # The eligibility editor also asks the age range and areas (they are part of who may be referred).
    Section("eligibility", "Eligibility", ("eligibility", "referrers", "min_age", "max_age", "areas")),
    Section("how_to_refer", "How to refer", ("how_to_refer", "referral_method")),
    Section("contacts", "Contacts", ("phones", "contacts")),
    Section("opening_times", "Opening times", ("opening_hours",)),
    Section("costs", "Costs", ("costs",)),
    # The places the service is offered at (location ids), and at most one new place to add to them.
    Section("locations", "Where it is", ("locations", "new_location")),
)}

# What each field is called on the admin's page.
FIELD_LABELS = {
    "name": "Name", "summary": "Summary", "description": "Description", "url": "Website", "email": "Email address",
    "min_age": "Youngest age", "max_age": "Oldest age", "areas": "Areas", "needs": "Needs",
    "categories": "Categories", "eligibility": "Eligibility rule", "referrers": "Who can refer",
    "how_to_refer": "How to refer", "referral_method": "How referrals are made", "phones": "Phone numbers",
    "contacts": "Contacts", "opening_hours": "Opening times", "costs": "Costs",
    "locations": "Places", "new_location": "New place",
}


class Refused(ListingError):
    """A request that cannot be made or decided; the message is fit to show and nothing was written."""

    def __init__(self, message: str | list[str]):
        super().__init__([message] if isinstance(message, str) else message)


class Changed(Refused):
    """Someone else decided the request since the page was loaded; nothing was written."""

    def __init__(self):
        super().__init__("This change request has changed since you opened it: someone else may have approved or "
                         "rejected it. Check it below.")


class NotAllowed(PermissionError):
    """The person may not do this to this service or request (show a 404)."""


def section_of(name: str) -> Section | None:
    return SECTIONS.get(name)


def pending_for(session: Session, service_id: uuid.UUID) -> list[ChangeRequest]:
    return list(session.exec(select(ChangeRequest).where(ChangeRequest.service_id == service_id,
                                                         ChangeRequest.status == "pending")
                             .order_by(ChangeRequest.requested_at)))


def pending(session: Session) -> list[ChangeRequest]:
    return list(session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")
                             .order_by(ChangeRequest.requested_at)))


def admins(session: Session) -> list[User]:
    return list(session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == "admin", User.is_active).order_by(User.email)))


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """What "who it is for" offers: districts, needs and kinds of help, each as (code, name)."""
    def terms(*taxonomies):
        return list({code: (code, name) for code, name in session.exec(
            select(TaxonomyTerm.code, TaxonomyTerm.name).join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Taxonomy.slug.in_(taxonomies)).order_by(TaxonomyTerm.position, TaxonomyTerm.name))}.values())
    return {"areas": [(d.slug, d.name) for d in session.exec(select(District).order_by(District.name))],
            "needs": terms(NEED_AREAS, SEN_TYPES), "categories": terms(CATEGORIES)}


def place_names(session: Session, location_ids) -> dict[str, str]:
    """Each location (by id, as a string) as "Name, address, town, postcode"."""
    ids = [x for x in (_uuid(value) for value in location_ids) if x is not None]
    if not ids:
        return {}
    rows = session.exec(select(Location, Address).join(Address, Address.location_id == Location.id, isouter=True)
                        .where(Location.id.in_(ids)))
    return {str(location.id): place_text(location.name, address.address_1 if address else None,
                                          address.address_2 if address else None, address.city if address else None,
                                          address.postal_code if address else None)
            for location, address in rows}


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def place_text(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def new_place_text(place: dict) -> str:
    address = place.get("address") or {}
    return place_text(place.get("name"), address.get("address_1"), address.get("address_2"), address.get("city"),
                      address.get("postal_code")) + " (new)"


def location_choices(session: Session, service_id: uuid.UUID) -> list[tuple[str, str]]:
    """The places a lead may offer the service at, as (location id, "Name, address"): the service's own and
    those of its organisation's services."""
    service = session.get(Service, service_id)
    if service is None:
        return []
    ids = set(session.exec(select(ServiceAtLocation.location_id)
                           .join(Service, Service.id == ServiceAtLocation.service_id)
                           .where(Service.organisation_id == service.organisation_id)))
    names = place_names(session, ids)
    return sorted(names.items(), key=lambda pair: pair[1].lower())


def _locations_change(session: Session, service_id: uuid.UUID, changes: dict) -> dict:
    """A "where it is" change checked and made ready to store: chosen places from the offered ones, sorted; a new
    place with its own id, its postcode normalised."""
    changes = dict(changes)
    if "locations" in changes:
        chosen = sorted({str(x) for x in changes["locations"] or []})
        allowed = {code for code, _ in location_choices(session, service_id)}
        if set(chosen) - allowed:
            raise Refused("Choose places from the list")
        changes["locations"] = chosen
    new = changes.get("new_location")
    if new is not None:
        address = new.get("address") or {}
        try:
            postcode = normalise_postcode(address.get("postal_code") or "")
        except PostcodeError as error:
            raise Refused(str(error)) from None
        if not (new.get("name") and address.get("address_1") and address.get("city")):
            raise Refused("Enter the new place's name, first line of its address and town")
        changes["new_location"] = {
            "id": str(uuid.uuid4()), "name": new["name"],
            "address": {"address_1": address["address_1"], "city": address["city"], "postal_code": postcode,
                        "country": "GB"},
            **({"accessibility": list(new["accessibility"])} if new.get("accessibility") else {})}
    else:
        changes.pop("new_location", None)
    return changes


def write_change(session: Session, service_id: uuid.UUID, changes: dict, *, source: str,
                 user_id: uuid.UUID | None = None, reason: str | None = None):
    """Write a request's changes through the one writer: fields of the service, and a new place (written with
    the service as one document, the service then offered there too). The caller commits."""
    new = changes.get("new_location")
    if new is None:
        return writer.update_service(session, service_id, changes, source=source, user_id=user_id, reason=reason)
    entry = writer.service_entry(session, service_id)
    if entry is None:
        raise ListingError(["There is no such service"])
    entry = copy.deepcopy(entry)
    entry.update({key: value for key, value in changes.items() if key != "new_location"})
    entry["locations"] = sorted({*(entry.get("locations") or []), new["id"]})
    document = {"format": FORMAT, "organisations": [], "locations": [new], "services": [entry]}
    applied = writer.apply_services(session, document, source=source, user_id=user_id, reason=reason, checked=False)
    return applied.revisions[0] if applied.revisions else None


def location_rows(session: Session, request: ChangeRequest) -> list[dict]:
    """A "where it is" request for the admin's page: the places before and after, by name and address."""
    before = request.before.get("locations") or []
    after = request.changes.get("locations", before) or []
    names = place_names(session, [*before, *after])
    new = request.changes.get("new_location")
    return [{"field": "locations", "label": FIELD_LABELS["locations"],
             "before": [names.get(x, "A place that no longer exists") for x in before],
             "after": [names.get(x, "A place that no longer exists") for x in after]
             + ([new_place_text(new)] if new else [])}]


def request_change(session: Session, user_id: uuid.UUID, roles: set[str], service_id: uuid.UUID, section: str,
                   changes: dict) -> ChangeRequest:
    """Queue a lead's change to one section of their service ({import-format field: new value}, None removing an
    optional field) for an admin, and commit. Raises NotAllowed (not a lead of the service) or ListingError (the
    change is not valid, or changes nothing), having written nothing."""
    begin_write(session)
    try:
        if not is_lead(session, user_id, roles, service_id):
            raise NotAllowed()
        entry = writer.service_entry(session, service_id)
        if entry is None:
            raise NotAllowed()
        part = SECTIONS.get(section)
        if part is None:
            raise Refused("That is not a part of a listing that can be changed.")
        unknown = sorted(set(changes) - set(part.fields))
        if unknown:
            raise Refused(f"{', '.join(unknown)} cannot be changed in “{part.title}”.")
        if section == "locations":
            changes = _locations_change(session, service_id, changes)
        changes = {key: value for key, value in changes.items() if value != entry.get(key)}
        if not changes:
            raise Refused("You have not changed anything.")
        # Checked as the writer would write it, then undone: an invalid change is refused before it is queued.
        savepoint = session.begin_nested()
        try:
            write_change(session, service_id, changes, source="lead", user_id=user_id)
        finally:
            savepoint.rollback()
        request = ChangeRequest(service_id=service_id, section=section,
                                base_revision=writer.latest_revision(session, service_id), changes=changes,
                                before={key: entry.get(key) for key in changes}, requested_by_id=user_id)
        session.add(request)
        session.flush()
        audit(session, user_id, "change_request_create", "change_request", request.id, service_id=str(service_id),
              section=section, fields=sorted(changes))
        lead = session.get(User, user_id)
        for admin in admins(session):
            queue(session, admin.email, "change_request_admin", service_name=entry["name"], section=part.title,
                  requested_by=lead.name, link=f"/admin/change-requests/{request.id}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(request)
    return request


def changed_since(session: Session, request: ChangeRequest) -> list[str]:
    """The fields of the request whose values have changed since the lead made it."""
    entry = writer.service_entry(session, request.service_id) or {}
    return [key for key in request.changes if entry.get(key) != request.before.get(key)]


def decide(session: Session, admin_id: uuid.UUID, request_id: uuid.UUID, version: int, approve: bool,
           reason: str | None) -> ChangeRequest:
    """Approve (writing the change through the one writer) or reject (with a reason) a pending request, email the
    lead who asked, and commit. Raises NotAllowed (not an admin, or no such request), Changed (someone decided it
    first) or Refused (a stale request, a missing reason, an invalid change), having written nothing."""
    reason = (reason or "").strip() or None
    begin_write(session)
    try:
        admin = session.get(User, admin_id)
        if admin is None or not admin.is_active or session.get(UserRole, (admin_id, "admin")) is None:
            raise NotAllowed()
        request = session.get(ChangeRequest, request_id)
        if request is None:
            raise NotAllowed()
        if request.version != version or request.status != "pending":
            raise Changed()
        if not approve and not reason:
            raise Refused("Enter the reason you are rejecting this change: the service lead will be told it")
        if reason and len(reason) > MAX_REASON:
            raise Refused(f"Enter a reason of {MAX_REASON} characters or fewer")
        part = SECTIONS[request.section]
        result = session.execute(update(ChangeRequest)
                                 .where(ChangeRequest.id == request.id, ChangeRequest.version == version,
                                        ChangeRequest.status == "pending")
                                 .values(version=version + 1, status="approved" if approve else "rejected",
                                         decided_by_id=admin_id, decided_at=utcnow(), decision_reason=reason))
        if result.rowcount != 1:
            raise Changed()
        session.expire(request)
        if approve:
            stale = changed_since(session, request)
            if stale:
                names = ", ".join(FIELD_LABELS.get(key, key).lower() for key in stale)
                raise Refused(f"This change cannot be approved because the listing's {names} "
                              f"{'has' if len(stale) == 1 else 'have'} changed since the lead asked. Reject it "
                              "with that reason, and the lead can ask again.")
            write_change(session, request.service_id, request.changes, source="approval",
                                  user_id=admin_id, reason=reason or f"Change request: {part.title}")
        audit(session, admin_id, "change_request_approve" if approve else "change_request_reject", "change_request",
              request.id, service_id=str(request.service_id), section=request.section, fields=sorted(request.changes))
        lead = session.get(User, request.requested_by_id)
        entry = writer.service_entry(session, request.service_id) or {}
        if lead is not None and lead.is_active:
            queue(session, lead.email, "change_request_decided", service_name=entry.get("name", ""),
                  section=part.title, decision="approved" if approve else "rejected", reason=reason or "",
                  link=f"/your-services/{request.service_id}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(request)
    return request

