"""The directory published as Open Referral UK 3.0: database rows to ORUK dicts, a page at a time in a fixed
number of queries (never one per service). Knows nothing of requests: the API's views parse the parameters and
call these functions. The mapping is the one import-oruk reads back (ids from directory.models.ids.stable_id,
the SEND fields in one "send_directory" extension); optional fields with no value are left out, never null or "".

Which services are published: every one whose status ORUK knows (active, inactive, temporarily closed), except
"defunct": a defunct service is gone, and a consumer drops a service that leaves the feed. The search finds only
active services (the index holds no others), as on the site."""

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from directory.data import service_search
from directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    DirectoryRevision,
    District,
    Language,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceRelation,
    Taxonomy,
    TaxonomyTerm,
)
from directory.models.ids import NAMESPACE, stable_id
from directory.search import SearchIndex, SearchRequest

VERSION = "HSDS-UK-3.0"
PROFILE = "https://openreferraluk.org/specifications/3.0/"
# The one object on a service that holds the SEND fields ORUK has no place for (left out under ORUK_STRICT).
EXTENSION = "send_directory"
PUBLISHED_STATUSES = ("active", "inactive", "temporarily closed")
UNPUBLISHED_STATUSES = ("defunct",)
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Services loaded and written per round of queries when a whole list is sent at once (format=ndjson).
BATCH = 500
# A search page long enough to hold every match: the whole ranking in one call (format=ndjson).
EVERY = 1_000_000


def _present(record: dict) -> dict:
    """The fields that have a value: None, "", [] and {} are left out (False and 0 are values)."""
    return {key: value for key, value in record.items() if value is not None and value != "" and value != []
            and value != {}}


def _timestamp(value: datetime) -> str:
    """ORUK date-time: UTC, to the millisecond, with Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _derived_id(kind: str, key: str) -> str:
    """stable_id(kind, key) for a key that is not itself a UUID ("<service id>:<term id>"), without first trying
    to read the key as one: a page of full services makes hundreds of these."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- what a list asks for -----------------------------------------------------------------------------------


def published():
    """The condition on Service for being published. Said as "not one of the few unpublished" so that a list in
    id order reads the primary key's index alone (a status test on every row would read every row)."""
    return Service.id.not_in(select(Service.id).where(Service.status.in_(UNPUBLISHED_STATUSES)))


@dataclass(frozen=True)
class ServiceFilters:
    """The filters of /services and /service_at_locations; each one set narrows (AND)."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    # ORUK UK profile: services whose minimum age is at least this, whose maximum age is at most this.
    minimum_age: float | None = None
    maximum_age: float | None = None
    # Services covering any of these districts (a postcode read through directory.places).
    district_ids: tuple[uuid.UUID, ...] | None = None

    def conditions(self) -> list:
        conditions = [published()]
        if self.taxonomy_term_id is not None:
            conditions.append(Service.id.in_(
                select(ServiceAttribute.service_id).where(ServiceAttribute.taxonomy_term_id == self.taxonomy_term_id)))
        if self.taxonomy_id is not None:
            conditions.append(Service.id.in_(
                select(ServiceAttribute.service_id)
                .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
                .where(TaxonomyTerm.taxonomy_id == self.taxonomy_id)))
        if self.organization_id is not None:
            conditions.append(Service.organisation_id == self.organization_id)
        if self.modified_after is not None:
            conditions.append(Service.last_modified >= self.modified_after)
        if self.minimum_age is not None:
            conditions.append(Service.minimum_age >= self.minimum_age)
        if self.maximum_age is not None:
            conditions.append(Service.maximum_age <= self.maximum_age)
        if self.district_ids is not None:
            conditions.append(Service.id.in_(
                select(ServiceArea.service_id).where(ServiceArea.district_id.in_(self.district_ids))))
        return conditions

    @property
    def narrows_beyond_search(self) -> bool:
        return any(value is not None for name, value in vars(self).items() if name != "search")


@dataclass(frozen=True)
class Searching:
    """The site's search (directory.data.service_search.find), as the search page uses it."""

    index: SearchIndex
    places: service_search.PlaceCache | None = None


@dataclass
class Page:
    contents: list[dict]
    total_items: int
    page_number: int
    per_page: int

    def envelope(self) -> dict:
        total_pages = max(1, math.ceil(self.total_items / self.per_page))
        return {
            "total_items": self.total_items,
            "total_pages": total_pages,
            "page_number": self.page_number,
            "size": len(self.contents),
            "first_page": self.page_number == 1,
            "last_page": self.page_number >= total_pages,
            "empty": not self.contents,
            "contents": self.contents,
        }


def _offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


# --- the site's search, in ranked order ---------------------------------------------------------------------


def _ranked(session: Session, searching: Searching, text: str, allowed: set[uuid.UUID] | None,
            start: int, stop: int | None) -> tuple[list[uuid.UUID], int]:
    """Ranks start..stop of the search's matches (only those in `allowed`, when given), as the site ranks them, and
    how many match. Each call to the search scores every match, so the search is asked for pages as long as the
    window: with no other filter, one call reads the page holding it (an API page is always one such page); with
    one, every match is read unranked first (to count them), with the first ranked page of the window's end, and
    further pages only while the filter leaves the window short."""
    def find(page: int, every_id: bool = False):
        request = SearchRequest(text=text, page=page, per_page=size, every_id=every_id)
        return service_search.find(session, searching.index, request, places=searching.places).results

    if allowed is None:
        size = stop - start if stop is not None and stop > start else EVERY
        page = start // size + 1
        position = (page - 1) * size
        results = find(page)
        total = results.total
        wanted = None
    else:
        size = stop if stop is not None and stop > 0 else EVERY
        page, position = 1, 0
        results = find(1, every_id=True)
        wanted = {uuid.UUID(i) for i in results.all_ids or []} & allowed
        total = len(wanted)
    stop = total if stop is None else min(stop, total)
    window: list[uuid.UUID] = []
    # The search answers its last page for any page after it: a page number that comes back changed ends the walk.
    while position < stop and results.page == page and results.ids:
        for raw in results.ids:
            service_id = uuid.UUID(raw)
            if wanted is not None and service_id not in wanted:
                continue
            if position >= start:
                window.append(service_id)
            position += 1
            if position >= stop:
                break
        page += 1
        if position < stop:
            results = find(page)
    return window, total


def _service_ids(session: Session, filters: ServiceFilters, searching: Searching | None, start: int,
                 stop: int | None) -> tuple[list[uuid.UUID], int]:
    """The ids of the published services the filters keep, ranks start..stop, and how many there are: by the
    search's ranking when searching, else by id (a stable order any page of which is read from an index; a
    name order sorted the whole directory for every page)."""
    conditions = filters.conditions()
    if filters.search and searching is not None:
        allowed = None
        if filters.narrows_beyond_search:
            allowed = set(session.exec(select(Service.id).where(*conditions)))
        return _ranked(session, searching, filters.search, allowed, start, stop)
    total = session.exec(select(func.count()).select_from(Service).where(*conditions)).one()
    query = select(Service.id).where(*conditions).order_by(Service.id).offset(start)
    if stop is not None:
        query = query.limit(max(0, stop - start))
    return list(session.exec(query)), total


# --- services -----------------------------------------------------------------------------------------------


@dataclass
class _Related:
    """Everything the services of one page link to, each kind read in one query."""

    organisations: dict = field(default_factory=dict)
    phones: dict = field(default_factory=lambda: defaultdict(list))
    relations: dict = field(default_factory=lambda: defaultdict(list))
    areas: dict = field(default_factory=lambda: defaultdict(list))  # service id -> [District]
    at_locations: dict = field(default_factory=lambda: defaultdict(list))
    locations: dict = field(default_factory=dict)  # location id -> dict (full)
    contacts: dict = field(default_factory=lambda: defaultdict(list))
    costs: dict = field(default_factory=lambda: defaultdict(list))
    languages: dict = field(default_factory=lambda: defaultdict(list))
    attributes: dict = field(default_factory=lambda: defaultdict(list))
    terms: dict = field(default_factory=dict)


def _rows(session: Session, query):
    """Plain rows (read-only tuples with the columns as attributes) on the session's own connection: a page reads
    hundreds of linked rows, and building ORM objects for them costs more than the queries."""
    return session.connection().execute(query)


def _one_of(column, values):
    """column IN values; "= value" for one (a single service's page skips the expanding IN's per-query work)."""
    values = list(values)
    return column == values[0] if len(values) == 1 else column.in_(values)


def _by_service(session: Session, model, ids: list[uuid.UUID], *columns: str) -> dict:
    """{service id: its rows of this table (only these columns, when named)}, in position order."""
    table = model.__table__
    grouped = defaultdict(list)
    query = select(*[table.c[name] for name in columns] or [table]).where(_one_of(table.c.service_id, ids))
    if "position" in table.c:
        query = query.order_by(table.c.position)
    for row in _rows(session, query):
        grouped[row.service_id].append(row)
    return grouped


def _load_related(session: Session, services: list[Service], full: bool, extension: bool) -> _Related:
    ids = [service.id for service in services]
    related = _Related()
    if not services:
        return related
    organisation_ids = list({s.organisation_id for s in services})
    organisations = Organisation.__table__
    related.organisations = {o.id: o for o in _rows(
        session, select(organisations).where(_one_of(organisations.c.id, organisation_ids)))}
    if extension:
        related.phones = _by_service(session, Phone, ids)
        related.relations = _by_service(session, ServiceRelation, ids)
    if not full:
        return related
    for area in _rows(session, select(ServiceArea.service_id, District.slug, District.name)
                      .join(District, District.id == ServiceArea.district_id)
                      .where(_one_of(ServiceArea.service_id, ids))):
        related.areas[area.service_id].append(area)
    related.at_locations = _by_service(session, ServiceAtLocation, ids)
    location_ids = {row.location_id for rows in related.at_locations.values() for row in rows}
    related.locations = _locations(session, location_ids, full=True)
    related.contacts = _by_service(session, Contact, ids)
    related.costs = _by_service(session, CostOption, ids)
    related.languages = _by_service(session, Language, ids)
    # In the order the database keeps them, as the import format's export reads them: a service's categories
    # keep the order they were listed in.
    related.attributes = _by_service(session, ServiceAttribute, ids, "service_id", "taxonomy_term_id")
    term_ids = {row.taxonomy_term_id for rows in related.attributes.values() for row in rows}
    terms = TaxonomyTerm.__table__
    # Each term once, however many services of the page it is linked to.
    related.terms = {t.id: term_dict(t) for t in _rows(session, select(terms).where(_one_of(terms.c.id, term_ids)))}
    return related


def organisation_dict(organisation: Organisation) -> dict:
    return _present({"id": str(organisation.id), "name": organisation.name, "description": organisation.description,
                     "website": organisation.website, "email": organisation.email})


def _extension(service: Service, related: _Related) -> dict:
    """The SEND fields, with the import format's names and values. Never the referral email."""
    waiting = ({"weeks": service.wait_weeks, "updated": service.wait_updated.isoformat()}
               if service.wait_weeks is not None and service.wait_updated else None)
    return _present({
        "slug": service.slug,
        "summary": service.summary,
        "phones": [_present({"number": p.number, "description": p.description}) for p in related.phones[service.id]],
        "how_to_refer": service.how_to_refer,
        "referral_method": service.referral_method,
        "accepting_referrals": service.accepting_referrals,
        "response_target_days": service.response_target_days,
        "waiting_time": waiting,
        "eligibility": service.eligibility,
        "relations": [_present({"type": r.relation_type, "service": str(r.related_service_id), "note": r.note})
                      for r in related.relations[service.id]],
    })


def _service_dict(service: Service, related: _Related, *, full: bool, extension: bool) -> dict:
    sid = str(service.id)
    record = {
        "id": sid, "organization_id": str(service.organisation_id), "name": service.name,
        "description": service.description, "url": service.url, "email": service.email, "status": service.status,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": _day(service.assured_date), "last_modified": _timestamp(service.last_modified),
        "organization": organisation_dict(related.organisations[service.organisation_id]),
    }
    if full:
        record.update({
            "schedules": [{"id": str(stable_id("schedule", sid)), "service_id": sid,
                           "description": service.opening_hours}] if service.opening_hours else [],
            "service_areas": [
                {"id": _derived_id("service_area", f"{sid}:{d.slug}"), "service_id": sid, "name": d.name}
                for d in sorted(related.areas[service.id], key=lambda d: d.slug)],
            "service_at_locations": [
                _present({"id": str(row.id), "service_id": sid, "location_id": str(row.location_id),
                          "location": related.locations.get(row.location_id)})
                for row in sorted(related.at_locations[service.id], key=lambda row: str(row.location_id))],
            "languages": [_present({"id": str(x.id), "service_id": sid, "name": x.name, "code": x.code,
                                    "note": x.note}) for x in related.languages[service.id]],
            "cost_options": [
                _present({"id": _derived_id("cost_option", f"{sid}:{i}"), "service_id": sid, "option": c.option,
                          "amount": c.amount, "amount_description": c.amount_description})
                for i, c in enumerate(related.costs[service.id])],
            # A contact by role only: a person's name is never published.
            "contacts": [{"id": _derived_id("contact", f"{sid}:{c.position}"), "service_id": sid,
                          "title": c.title} for c in related.contacts[service.id] if c.title],
            "attributes": [
                {"id": _derived_id("attribute", f"{sid}:{term['id']}"), "link_id": sid, "link_type": "service",
                 "taxonomy_term_id": term["id"], "taxonomy_term": term}
                for term in (related.terms[a.taxonomy_term_id] for a in related.attributes[service.id])],
        })
    if extension:
        record[EXTENSION] = _extension(service, related)
    return _present(record)


def _minimal_dict(service: Service) -> dict:
    # ORUK's "just id and last_modified", with name and status: the list schema requires them.
    return {"id": str(service.id), "name": service.name, "status": service.status,
            "last_modified": _timestamp(service.last_modified)}


def _services_in_order(session: Session, ids: list[uuid.UUID]) -> list:
    """The services' rows (see _rows), in this order."""
    table = Service.__table__
    by_id = {s.id: s for s in _rows(session, select(table).where(table.c.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


def service_dicts(session: Session, services: list[Service], *, full: bool = False, minimal: bool = False,
                  extension: bool = True) -> list[dict]:
    """These services as ORUK dicts, in this order: a fixed number of queries however many there are."""
    if minimal:
        return [_minimal_dict(service) for service in services]
    related = _load_related(session, services, full, extension)
    return [_service_dict(service, related, full=full, extension=extension) for service in services]


def list_services(session: Session, filters: ServiceFilters, page: int, per_page: int, *,
                  searching: Searching | None = None, full: bool = False, minimal: bool = False,
                  extension: bool = True) -> Page:
    ids, total = _service_ids(session, filters, searching, _offset(page, per_page), _offset(page + 1, per_page))
    services = _services_in_order(session, ids)
    return Page(service_dicts(session, services, full=full, minimal=minimal, extension=extension),
                total, page, per_page)


def every_service(session: Session, filters: ServiceFilters, *, searching: Searching | None = None,
                  full: bool = False, minimal: bool = False, extension: bool = True) -> Iterator[dict]:
    """Every service the filters keep, in list order, read BATCH at a time (format=ndjson)."""
    ids, _total = _service_ids(session, filters, searching, 0, None)
    for start in range(0, len(ids), BATCH):
        services = _services_in_order(session, ids[start:start + BATCH])
        yield from service_dicts(session, services, full=full, minimal=minimal, extension=extension)


def get_service(session: Session, service_id: uuid.UUID, *, extension: bool = True) -> dict | None:
    """The fully nested service, or None when there is none published with this id."""
    table = Service.__table__
    service = _rows(session, select(table).where(table.c.id == service_id,
                                                 table.c.status.in_(PUBLISHED_STATUSES))).first()
    if service is None:
        return None
    return service_dicts(session, [service], full=True, extension=extension)[0]


# --- locations and service_at_locations ---------------------------------------------------------------------


def _locations(session: Session, location_ids: Iterable[uuid.UUID], *, full: bool) -> dict[uuid.UUID, dict]:
    location_ids = list(location_ids)
    if not location_ids:
        return {}
    addresses, accessibility = defaultdict(list), defaultdict(list)
    if full:
        for address in session.exec(select(Address).where(_one_of(Address.location_id, location_ids))
                                    .order_by(Address.id)):
            addresses[address.location_id].append(address)
        for entry in session.exec(select(Accessibility).where(_one_of(Accessibility.location_id, location_ids))
                                  .order_by(Accessibility.description, Accessibility.id)):
            accessibility[entry.location_id].append(entry)
    out = {}
    for location in session.exec(select(Location).where(_one_of(Location.id, location_ids))):
        lid = str(location.id)
        record = {"id": lid, "location_type": location.location_type or "physical", "name": location.name,
                  "description": location.description, "latitude": location.latitude,
                  "longitude": location.longitude}
        if full:
            record["addresses"] = [_present({
                "id": str(a.id), "location_id": lid, "address_1": a.address_1, "address_2": a.address_2,
                "city": a.city, "state_province": a.state_province, "postal_code": a.postal_code,
                "country": a.country, "address_type": a.address_type or "physical"}) for a in addresses[location.id]]
            record["accessibility"] = [{"id": str(a.id), "location_id": lid, "description": a.description}
                                       for a in accessibility[location.id]]
        out[location.id] = _present(record)
    return out


def _at_location_dicts(session: Session, rows: list[ServiceAtLocation], *, full: bool,
                       extension: bool) -> list[dict]:
    locations = _locations(session, {row.location_id for row in rows}, full=full)
    service_ids = list({row.service_id for row in rows})
    services = {s.id: s for s in session.exec(select(Service).where(Service.id.in_(service_ids)))}
    listed = dict(zip(services, service_dicts(session, list(services.values()), extension=extension),
                      strict=True))
    return [_present({"id": str(row.id), "service_id": str(row.service_id), "location_id": str(row.location_id),
                      "location": locations.get(row.location_id), "service": listed.get(row.service_id)})
            for row in rows]


def list_service_at_locations(session: Session, filters: ServiceFilters, page: int, per_page: int, *,
                              searching: Searching | None = None, full: bool = False,
                              extension: bool = True) -> Page:
    """Published services' places, by service id (or the search's ranking), then location."""
    rows = _at_location_rows(session, filters, searching)
    start = _offset(page, per_page)
    return Page(_at_location_dicts(session, rows[start:start + per_page], full=full, extension=extension),
                len(rows), page, per_page)


def every_service_at_location(session: Session, filters: ServiceFilters, *, searching: Searching | None = None,
                              full: bool = False, extension: bool = True) -> Iterator[dict]:
    rows = _at_location_rows(session, filters, searching)
    for start in range(0, len(rows), BATCH):
        yield from _at_location_dicts(session, rows[start:start + BATCH], full=full, extension=extension)


def _at_location_rows(session: Session, filters: ServiceFilters,
                      searching: Searching | None) -> list[ServiceAtLocation]:
    # Places are few (a service has a handful at most): every matching row's ids are read, then one page loaded.
    query = (select(ServiceAtLocation).join(Service, Service.id == ServiceAtLocation.service_id)
             .where(*filters.conditions()).order_by(Service.id, ServiceAtLocation.location_id))
    rows = list(session.exec(query))
    if filters.search and searching is not None:
        ranked, _total = _ranked(session, searching, filters.search, {row.service_id for row in rows}, 0, None)
        rank = {service_id: i for i, service_id in enumerate(ranked)}
        rows = sorted((row for row in rows if row.service_id in rank), key=lambda row: rank[row.service_id])
    return rows


def get_service_at_location(session: Session, row_id: uuid.UUID, *, extension: bool = True) -> dict | None:
    row = session.exec(
        select(ServiceAtLocation).join(Service, Service.id == ServiceAtLocation.service_id)
        .where(ServiceAtLocation.id == row_id, Service.status.in_(PUBLISHED_STATUSES))).first()
    if row is None:
        return None
    return _at_location_dicts(session, [row], full=True, extension=extension)[0]


# --- organisations ------------------------------------------------------------------------------------------


def _name_contains(column, text: str | None) -> list:
    return [func.lower(column).contains(text.lower(), autoescape=True)] if text else []


def _with_services(session: Session, organisations: list[Organisation], *, full: bool,
                   extension: bool) -> list[dict]:
    services = defaultdict(list)
    rows = list(session.exec(select(Service).where(
        Service.organisation_id.in_([o.id for o in organisations]), Service.status.in_(PUBLISHED_STATUSES))
        .order_by(Service.name, Service.id))) if organisations else []
    for service, record in zip(rows, service_dicts(session, rows, full=full, extension=extension), strict=True):
        record.pop("organization", None)  # it is the organisation it sits in
        services[service.organisation_id].append(record)
    return [_present({**organisation_dict(o), "services": services[o.id]}) for o in organisations]


def list_organisations(session: Session, page: int, per_page: int, *, search: str | None = None,
                       with_services: bool = False, full_services: bool = False, extension: bool = True) -> Page:
    conditions = _name_contains(Organisation.name, search)
    total = session.exec(select(func.count()).select_from(Organisation).where(*conditions)).one()
    organisations = list(session.exec(select(Organisation).where(*conditions).order_by(Organisation.name,
                                      Organisation.id).offset(_offset(page, per_page)).limit(per_page)))
    if with_services or full_services:
        contents = _with_services(session, organisations, full=full_services, extension=extension)
    else:
        contents = [organisation_dict(o) for o in organisations]
    return Page(contents, total, page, per_page)


def get_organisation(session: Session, organisation_id: uuid.UUID, *, full_services: bool = False,
                     extension: bool = True) -> dict | None:
    """The organisation with its published services (each in brief, or fully nested with full_services)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        return None
    return _with_services(session, [organisation], full=full_services, extension=extension)[0]


def every_organisation(session: Session, *, search: str | None = None, with_services: bool = False,
                       full_services: bool = False, extension: bool = True) -> Iterator[dict]:
    """Every organisation (format=ndjson), BATCH at a time."""
    total = list_organisations(session, 1, 1, search=search).total_items
    for page in range(1, math.ceil(total / BATCH) + 1):
        yield from list_organisations(session, page, BATCH, search=search, with_services=with_services,
                                      full_services=full_services, extension=extension).contents


# --- taxonomies ---------------------------------------------------------------------------------------------


def taxonomy_dict(taxonomy: Taxonomy) -> dict:
    return _present({"id": str(taxonomy.id), "name": taxonomy.name, "description": taxonomy.description,
                     "uri": taxonomy.uri})


def term_dict(term: TaxonomyTerm) -> dict:
    # `code` is not an ORUK field: import-oruk maps terms back to the directory's lists by it.
    return _present({"id": str(term.id), "name": term.name, "description": term.description, "code": term.code,
                     "taxonomy_id": str(term.taxonomy_id), "parent_id": str(term.parent_id) if term.parent_id else None,
                     "term_uri": term.term_uri})


def list_taxonomies(session: Session, page: int, per_page: int, *, search: str | None = None) -> Page:
    conditions = _name_contains(Taxonomy.name, search)
    total = session.exec(select(func.count()).select_from(Taxonomy).where(*conditions)).one()
    rows = session.exec(select(Taxonomy).where(*conditions).order_by(Taxonomy.name, Taxonomy.id)
                        .offset(_offset(page, per_page)).limit(per_page))
    return Page([taxonomy_dict(t) for t in rows], total, page, per_page)


def get_taxonomy(session: Session, taxonomy_id: uuid.UUID) -> dict | None:
    """The taxonomy with its terms."""
    taxonomy = session.get(Taxonomy, taxonomy_id)
    if taxonomy is None:
        return None
    terms = session.exec(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy_id)
                         .order_by(TaxonomyTerm.position, TaxonomyTerm.name, TaxonomyTerm.id))
    return _present({**taxonomy_dict(taxonomy), "taxonomy_terms": [term_dict(t) for t in terms]})


@dataclass(frozen=True)
class TermFilters:
    search: str | None = None
    taxonomy_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    # Only terms at the top of their taxonomy (no parent).
    top_only: bool = False

    def conditions(self) -> list:
        conditions = _name_contains(TaxonomyTerm.name, self.search)
        if self.taxonomy_id is not None:
            conditions.append(TaxonomyTerm.taxonomy_id == self.taxonomy_id)
        if self.parent_id is not None:
            conditions.append(TaxonomyTerm.parent_id == self.parent_id)
        if self.top_only:
            conditions.append(TaxonomyTerm.parent_id.is_(None))
        return conditions


def list_terms(session: Session, filters: TermFilters, page: int, per_page: int) -> Page:
    """Terms by taxonomy, then in each taxonomy's own order."""
    conditions = filters.conditions()
    total = session.exec(select(func.count()).select_from(TaxonomyTerm).where(*conditions)).one()
    rows = session.exec(
        select(TaxonomyTerm).join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id).where(*conditions)
        .order_by(Taxonomy.name, TaxonomyTerm.position, TaxonomyTerm.name, TaxonomyTerm.id)
        .offset(_offset(page, per_page)).limit(per_page))
    return Page([term_dict(t) for t in rows], total, page, per_page)


def every_term(session: Session, filters: TermFilters) -> Iterator[dict]:
    """Every term the filters keep (format=ndjson), BATCH at a time."""
    total = list_terms(session, filters, 1, 1).total_items
    for page in range(1, math.ceil(total / BATCH) + 1):
        yield from list_terms(session, filters, page, BATCH).contents


def every_taxonomy(session: Session, *, search: str | None = None) -> Iterator[dict]:
    total = list_taxonomies(session, 1, 1, search=search).total_items
    for page in range(1, math.ceil(total / BATCH) + 1):
        yield from list_taxonomies(session, page, BATCH, search=search).contents


def get_term(session: Session, term_id: uuid.UUID) -> dict | None:
    term = session.get(TaxonomyTerm, term_id)
    return term_dict(term) if term is not None else None


# --- the directory's version, for caching -------------------------------------------------------------------


def directory_version(session: Session) -> tuple[int, datetime]:
    """The directory's revision (as directory.listings.revision.directory_revision reads it) and when it last
    changed, in one read of the same row: an ETag and a Last-Modified for every answer."""
    revision, changed = session.exec(
        select(DirectoryRevision.revision, DirectoryRevision.changed_at).where(DirectoryRevision.id == 1)).one()
    return revision, changed if changed.tzinfo else changed.replace(tzinfo=UTC)
