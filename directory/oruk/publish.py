"""The directory published as Open Referral UK 3.0: database rows to ORUK dicts, a page at a time in a fixed
number of queries (never one per service). Knows nothing of requests: the API's views parse the parameters and
call these functions. The mapping is the one import-oruk reads back (ids from directory.models.ids.stable_id,
the SEND fields in one "send_directory" extension); optional fields with no value are left out, never null or "".

Which services are published: every one whose status ORUK knows (active, inactive, temporarily closed), except
"defunct": a defunct service is gone, and a consumer drops a service that leaves the feed. The search finds only
active services (the index holds no others), as on the site."""

import functools
import hashlib
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Float, Integer, String, bindparam, cast, func, literal_column, null, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from directory import reference_cache
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
_NAMESPACE_BYTES = NAMESPACE.bytes


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
    """str(stable_id(kind, key)) for a key that is not itself a UUID ("<service id>:<term id>"): uuid5's own
    steps without making UUID objects (a page of full services makes hundreds of these; a test checks both agree)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_ = digest.hex()
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


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


# --- reading rows -------------------------------------------------------------------------------------------


class _IdText(FunctionElement):
    """A UUID column read as text, 8-4-4-4-12 in lower case as str(uuid.UUID) writes it. A page of full services
    reads over a thousand ids: a UUID object made for each (then its str) cost more than the page's queries."""

    type = String()
    name = "id_text"
    inherit_cache = True


@compiles(_IdText)
def _id_text(element, compiler, **kw):
    # PostgreSQL's uuid type writes its own text.
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(_IdText, "sqlite")
def _id_text_sqlite(element, compiler, **kw):
    # SQLite keeps a UUID as its 32 hex digits in lower case (SQLAlchemy's Uuid type writes uuid.hex): the dashes
    # go in where str() puts them.
    digits = compiler.process(element.clauses, **kw)
    return "||'-'||".join(f"substr({digits}, {start}, {length})"
                          for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))


def _rows(session: Session, query, parameters: dict | None = None):
    """Plain rows (read-only tuples with the columns as attributes) on the session's own connection: a page reads
    hundreds of linked rows, and building ORM objects for them costs more than the queries."""
    return session.connection().execute(query, parameters)


def _one_of(column, values):
    """column IN values; "= value" for one (a single service's page skips the expanding IN's per-query work)."""
    values = list(values)
    return column == values[0] if len(values) == 1 else column.in_(values)


# The statements every request runs are built once (the functools.cache builders below) with the ids as
# parameters: building and keying a UNION of a dozen SELECTs each time cost more than running it. One id is
# compared with "=", several with an expanding IN.


def _matching(column, one: bool):
    return column == bindparam("id") if one else column.in_(bindparam("ids", expanding=True))


def _ids(ids: list) -> dict:
    return {"id": ids[0]} if len(ids) == 1 else {"ids": ids}


def _run(session: Session, statement, ids: list):
    """A statement of _matching's parameters, for these ids."""
    return session.connection().execute(statement, _ids(ids))


def _chunks(values: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- reference data, kept until the directory revision changes ----------------------------------------------


def _terms(session: Session) -> dict[str, dict]:
    """{taxonomy term id: its ORUK dict}, every term: a page of full services links hundreds."""
    return reference_cache.cached("oruk-taxonomy-terms", session, _read_terms)


def _read_terms(session: Session) -> dict[str, dict]:
    table = TaxonomyTerm.__table__.c
    return {row.id: term_dict(row) for row in _rows(session, select(
        _IdText(table.id).label("id"), table.name, table.description, table.code,
        _IdText(table.taxonomy_id).label("taxonomy_id"), _IdText(table.parent_id).label("parent_id"),
        table.term_uri))}


# --- services -----------------------------------------------------------------------------------------------


@functools.cache
def _services_statement(one: bool):
    """The services of the parameters "id" or "ids"."""
    return select(*_service_columns()).where(_matching(Service.__table__.c.id, one))


@functools.cache
def _published_service_statement():
    table = Service.__table__.c
    return select(*_service_columns()).where(_matching(table.id, True), table.status.in_(PUBLISHED_STATUSES))


def _service_columns() -> list:
    """The columns of Service that publishing reads (never the referral email), ids as text."""
    table = Service.__table__.c
    return [_IdText(table.id).label("id"), _IdText(table.organisation_id).label("organisation_id"), table.name,
            table.description, table.url, table.email, table.status, table.minimum_age, table.maximum_age,
            table.assured_date, table.last_modified, table.opening_hours, table.slug, table.summary,
            table.how_to_refer, table.referral_method, table.accepting_referrals, table.response_target_days,
            table.wait_weeks, table.wait_updated, table.eligibility]


# Every row a page of services links to comes back from one UNION ALL in this shape: its kind; whose it is
# (a service's id, or a location's for a location's own rows); its position among its service's rows of that
# kind, a text to sort by, its id; up to seven texts and two numbers.
_TEXTS, _NUMBERS = 7, 2


def _branch(kind: str, owner, where, *, position=None, sort=None, row_id=None, texts=(), numbers=(),
            join=None):
    texts, numbers = list(texts), list(numbers)
    columns = [literal_column(f"'{kind}'", String).label("kind"), owner.label("owner"),
               (position if position is not None else literal_column("0", Integer)).label("ord"),
               (sort if sort is not None else cast(null(), String)).label("sort"),
               (row_id if row_id is not None else cast(null(), String)).label("row_id")]
    columns += [(texts[i] if i < len(texts) else cast(null(), String)).label(f"t{i}") for i in range(_TEXTS)]
    columns += [(numbers[i] if i < len(numbers) else cast(null(), Float)).label(f"n{i}") for i in range(_NUMBERS)]
    query = select(*columns)
    if join is not None:
        query = query.select_from(join)
    return query.where(where)


def _location_branches(matches, *, full: bool) -> list:
    """The locations whose ids `matches(column)` keeps, with their addresses and accessibility when full."""
    location, address, access = Location.__table__.c, Address.__table__.c, Accessibility.__table__.c
    branches = [_branch("location", _IdText(location.id), matches(location.id),
                        texts=(location.location_type, location.name, location.description),
                        numbers=(location.latitude, location.longitude))]
    if full:
        # In id order (addresses) and by description, then id (accessibility), as before the rows were joined.
        branches += [
            _branch("address", _IdText(address.location_id), matches(address.location_id),
                    row_id=_IdText(address.id),
                    texts=(address.address_1, address.address_2, address.city, address.state_province,
                           address.postal_code, address.country, address.address_type)),
            _branch("accessibility", _IdText(access.location_id), matches(access.location_id),
                    sort=access.description, row_id=_IdText(access.id), texts=(access.description,)),
        ]
    return branches


def _service_branches(one: bool, full: bool, extension: bool) -> list:
    """What the services (of the parameters "id" or "ids") link to; a list of each kind in position order."""
    phone, relation, area, district = (Phone.__table__.c, ServiceRelation.__table__.c, ServiceArea.__table__.c,
                                       District.__table__.c)
    at_location, contact, cost, language, attribute = (
        ServiceAtLocation.__table__.c, Contact.__table__.c, CostOption.__table__.c, Language.__table__.c,
        ServiceAttribute.__table__.c)
    # Organisations are read with the page, not kept by revision: a change to an organisation alone (an import
    # that changes no listing) does not move the directory revision.
    organisation, service = Organisation.__table__.c, Service.__table__.c
    branches = [_branch("organisation", _IdText(organisation.id), organisation.id.in_(
        select(service.organisation_id).where(_matching(service.id, one))),
        texts=(organisation.name, organisation.description, organisation.website, organisation.email))]
    if extension:
        branches += [
            _branch("phone", _IdText(phone.service_id), _matching(phone.service_id, one), position=phone.position,
                    row_id=_IdText(phone.id), texts=(phone.number, phone.description)),
            _branch("relation", _IdText(relation.service_id), _matching(relation.service_id, one),
                    position=relation.position, row_id=_IdText(relation.id),
                    texts=(relation.relation_type, _IdText(relation.related_service_id), relation.note)),
        ]
    if full:
        branches += [
            _branch("area", _IdText(area.service_id), _matching(area.service_id, one),
                    texts=(district.slug, district.name),
                    join=ServiceArea.__table__.join(District.__table__, district.id == area.district_id)),
            _branch("at_location", _IdText(at_location.service_id), _matching(at_location.service_id, one),
                    row_id=_IdText(at_location.id), texts=(_IdText(at_location.location_id),)),
            # A contact by role only: its name is never read.
            _branch("contact", _IdText(contact.service_id), _matching(contact.service_id, one),
                    position=contact.position, row_id=_IdText(contact.id), texts=(contact.title,)),
            _branch("cost", _IdText(cost.service_id), _matching(cost.service_id, one), position=cost.position,
                    row_id=_IdText(cost.id), texts=(cost.option, cost.amount_description), numbers=(cost.amount,)),
            _branch("language", _IdText(language.service_id), _matching(language.service_id, one),
                    position=language.position, row_id=_IdText(language.id),
                    texts=(language.name, language.code, language.note)),
            # By position, as the import format's export reads them: a service's categories keep the order they
            # were listed in. Needs and referrers (sets, all at position 0) follow the main category, each kind
            # in id order: the same on every database (ties were left to the database's whim).
            _branch("attribute", _IdText(attribute.service_id), _matching(attribute.service_id, one),
                    position=attribute.position, sort=attribute.link_type, row_id=_IdText(attribute.id),
                    texts=(_IdText(attribute.taxonomy_term_id),)),
        ]
        at_locations = select(at_location.location_id).where(_matching(at_location.service_id, one))
        branches += _location_branches(lambda column: column.in_(at_locations), full=True)
    return branches


def _union(branches: list):
    return union_all(*branches).order_by(literal_column("ord"), literal_column("sort"), literal_column("row_id"))


@functools.cache
def _linked_statement(one: bool, full: bool, extension: bool):
    """Every row that services link to, in one statement."""
    return _union(_service_branches(one, full, extension))


@functools.cache
def _locations_statement(one: bool, full: bool):
    return _union(_location_branches(lambda column: _matching(column, one), full=full))


class _Linked:
    """The rows of one UNION ALL of branches: {kind: {owner id: [row, ...]}}, each list in order."""

    def __init__(self, rows=()):
        self.kinds: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        kinds = self.kinds
        for row in rows:
            kinds[row[0]][row[1]].append(row)

    def of(self, kind: str, owner: str) -> list:
        rows = self.kinds.get(kind)
        return rows.get(owner, []) if rows else []

    def organisations(self) -> dict[str, dict]:
        return {oid: _present({"id": oid, "name": row.t0, "description": row.t1, "website": row.t2, "email": row.t3})
                for oid, (row,) in self.kinds.get("organisation", {}).items()}

    def locations(self, *, full: bool) -> dict[str, dict]:
        """{location id: its ORUK dict} for the location rows read."""
        out = {}
        for lid, (row,) in self.kinds.get("location", {}).items():
            _kind, _owner, _ord, _sort, _id, location_type, name, description, *_rest, latitude, longitude = row
            record = {"id": lid, "location_type": location_type or "physical", "name": name,
                      "description": description, "latitude": latitude, "longitude": longitude}
            if full:
                record["addresses"] = [_present({
                    "id": a.row_id, "location_id": lid, "address_1": a.t0, "address_2": a.t1, "city": a.t2,
                    "state_province": a.t3, "postal_code": a.t4, "country": a.t5, "address_type": a.t6 or "physical"})
                    for a in self.of("address", lid)]
                record["accessibility"] = [{"id": a.row_id, "location_id": lid, "description": a.t0}
                                           for a in self.of("accessibility", lid)]
            out[lid] = _present(record)
        return out


@dataclass
class _Related:
    """Everything the services of one page link to."""

    organisations: dict[str, dict]
    linked: _Linked
    locations: dict[str, dict] = field(default_factory=dict)
    terms: dict[str, dict] = field(default_factory=dict)


def _load_related(session: Session, services: list, full: bool, extension: bool) -> _Related:
    """One query: every linked row in one UNION (taxonomy terms from the cache)."""
    ids = [uuid.UUID(service.id) for service in services]
    linked = _Linked(_run(session, _linked_statement(len(ids) == 1, full, extension), ids).all() if ids else ())
    related = _Related(linked.organisations(), linked)
    if full:
        related.locations = linked.locations(full=True)
        related.terms = _terms(session)
    return related


def organisation_dict(organisation) -> dict:
    return _present({"id": str(organisation.id), "name": organisation.name, "description": organisation.description,
                     "website": organisation.website, "email": organisation.email})


def _extension(service, related: _Related) -> dict:
    """The SEND fields, with the import format's names and values. Never the referral email."""
    linked = related.linked
    waiting = ({"weeks": service.wait_weeks, "updated": service.wait_updated.isoformat()}
               if service.wait_weeks is not None and service.wait_updated else None)
    return _present({
        "slug": service.slug,
        "summary": service.summary,
        "phones": [_present({"number": p.t0, "description": p.t1}) for p in linked.of("phone", service.id)],
        "how_to_refer": service.how_to_refer,
        "referral_method": service.referral_method,
        "accepting_referrals": service.accepting_referrals,
        "response_target_days": service.response_target_days,
        "waiting_time": waiting,
        "eligibility": service.eligibility,
        "relations": [_present({"type": r.t0, "service": r.t1, "note": r.t2})
                      for r in linked.of("relation", service.id)],
    })


def _service_dict(service, related: _Related, *, full: bool, extension: bool) -> dict:
    sid = service.id
    record = {
        "id": sid, "organization_id": service.organisation_id, "name": service.name,
        "description": service.description, "url": service.url, "email": service.email, "status": service.status,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": _day(service.assured_date), "last_modified": _timestamp(service.last_modified),
        "organization": related.organisations[service.organisation_id],
    }
    if full:
        linked, terms = related.linked, related.terms
        record.update({
            "schedules": [{"id": str(stable_id("schedule", sid)), "service_id": sid,
                           "description": service.opening_hours}] if service.opening_hours else [],
            "service_areas": [
                {"id": _derived_id("service_area", f"{sid}:{slug}"), "service_id": sid, "name": name}
                for slug, name in sorted((a.t0, a.t1) for a in linked.of("area", sid))],
            "service_at_locations": [
                _present({"id": row_id, "service_id": sid, "location_id": location_id,
                          "location": related.locations.get(location_id)})
                for location_id, row_id in sorted((row.t0, row.row_id) for row in linked.of("at_location", sid))],
            "languages": [_present({"id": x.row_id, "service_id": sid, "name": x.t0, "code": x.t1, "note": x.t2})
                          for x in linked.of("language", sid)],
            "cost_options": [
                _present({"id": _derived_id("cost_option", f"{sid}:{i}"), "service_id": sid, "option": c.t0,
                          "amount": c.n0, "amount_description": c.t1})
                for i, c in enumerate(linked.of("cost", sid))],
            # A contact by role only: a person's name is never published.
            "contacts": [{"id": _derived_id("contact", f"{sid}:{c.ord}"), "service_id": sid, "title": c.t0}
                         for c in linked.of("contact", sid) if c.t0],
            "attributes": [
                {"id": _derived_id("attribute", f"{sid}:{term['id']}"), "link_id": sid, "link_type": "service",
                 "taxonomy_term_id": term["id"], "taxonomy_term": term}
                for term in (terms[a.t0] for a in linked.of("attribute", sid))],
        })
    if extension:
        record[EXTENSION] = _extension(service, related)
    return _present(record)


def _minimal_dict(service) -> dict:
    # ORUK's "just id and last_modified", with name and status: the list schema requires them.
    return {"id": service.id, "name": service.name, "status": service.status,
            "last_modified": _timestamp(service.last_modified)}


def _services_in_order(session: Session, ids: list[uuid.UUID]) -> list:
    """The services' rows (see _rows, _service_columns), in this order."""
    if not ids:
        return []
    by_id = {s.id: s for s in _run(session, _services_statement(len(ids) == 1), ids)}
    return [by_id[key] for key in map(str, ids) if key in by_id]


def service_dicts(session: Session, services: list, *, full: bool = False, minimal: bool = False,
                  extension: bool = True) -> list[dict]:
    """These services (rows of _service_columns) as ORUK dicts, in this order: a fixed number of queries for
    each BATCH of them."""
    if minimal:
        return [_minimal_dict(service) for service in services]
    out = []
    for chunk in _chunks(services):
        related = _load_related(session, chunk, full, extension)
        out.extend(_service_dict(service, related, full=full, extension=extension) for service in chunk)
    return out


def list_services(session: Session, filters: ServiceFilters, page: int, per_page: int, *,
                  searching: Searching | None = None, full: bool = False, minimal: bool = False,
                  extension: bool = True) -> Page:
    start, stop = _offset(page, per_page), _offset(page + 1, per_page)
    if filters.search and searching is not None:
        ids, total = _service_ids(session, filters, searching, start, stop)
        services = _services_in_order(session, ids)
    else:
        services, total = _page_of_services(session, filters, start, per_page)
    return Page(service_dicts(session, services, full=full, minimal=minimal, extension=extension),
                total, page, per_page)


def _page_of_services(session: Session, filters: ServiceFilters, start: int, per_page: int) -> tuple[list, int]:
    """A page of the list in id order, and how many services the filters keep, in one query: the page's ids are
    read from the primary key's index in a subquery, and the count rides on each row (read again alone only when
    the page is past the end)."""
    table = Service.__table__
    if filters == ServiceFilters():
        # The whole list: one statement built once, and its count kept with the revision (a service added, or
        # its status changed, moves the revision on).
        rows = _rows(session, _whole_list_statement(), {"start": start, "size": per_page}).all()
        return rows, reference_cache.cached("oruk-published-services", session, _count_published)
    conditions = filters.conditions()
    total = select(func.count()).select_from(table).where(*conditions).correlate(None).scalar_subquery()
    page_ids = (select(table.c.id).where(*conditions).order_by(table.c.id).offset(start).limit(per_page)
                .correlate(None))
    rows = list(_rows(session, select(total.label("total_items"), *_service_columns())
                      .where(table.c.id.in_(page_ids)).order_by(table.c.id)))
    if not rows:
        return [], session.exec(select(func.count()).select_from(table).where(*conditions)).one()
    return rows, rows[0].total_items


@functools.cache
def _whole_list_statement():
    table = Service.__table__
    page_ids = (select(table.c.id).where(published()).order_by(table.c.id).offset(bindparam("start"))
                .limit(bindparam("size")).correlate(None))
    return select(*_service_columns()).where(table.c.id.in_(page_ids)).order_by(table.c.id)


def _count_published(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Service).where(published())).one()


def every_service(session: Session, filters: ServiceFilters, *, searching: Searching | None = None,
                  full: bool = False, minimal: bool = False, extension: bool = True) -> Iterator[dict]:
    """Every service the filters keep, in list order, read BATCH at a time (format=ndjson)."""
    ids, _total = _service_ids(session, filters, searching, 0, None)
    for chunk in _chunks(ids):
        yield from service_dicts(session, _services_in_order(session, chunk), full=full, minimal=minimal,
                                 extension=extension)


def get_service(session: Session, service_id: uuid.UUID, *, extension: bool = True) -> dict | None:
    """The fully nested service, or None when there is none published with this id."""
    service = _run(session, _published_service_statement(), [service_id]).first()
    if service is None:
        return None
    return service_dicts(session, [service], full=True, extension=extension)[0]


# --- locations and service_at_locations ---------------------------------------------------------------------


def _locations(session: Session, location_ids: Iterable[uuid.UUID], *, full: bool) -> dict[str, dict]:
    """{location id: its ORUK dict}, in one query."""
    location_ids = list(location_ids)
    if not location_ids:
        return {}
    return _Linked(_run(session, _locations_statement(len(location_ids) == 1, full), location_ids).all()).locations(
        full=full)


def _at_location_dicts(session: Session, rows: list[ServiceAtLocation], *, full: bool,
                       extension: bool) -> list[dict]:
    locations = _locations(session, {row.location_id for row in rows}, full=full)
    services = _services_in_order(session, list({row.service_id for row in rows}))
    listed = dict(zip((s.id for s in services), service_dicts(session, services, extension=extension),
                      strict=True))
    return [_present({"id": str(row.id), "service_id": str(row.service_id), "location_id": str(row.location_id),
                      "location": locations.get(str(row.location_id)), "service": listed.get(str(row.service_id))})
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
    table = Service.__table__.c
    rows = list(_rows(session, select(*_service_columns()).where(
        _one_of(table.organisation_id, [o.id for o in organisations]), table.status.in_(PUBLISHED_STATUSES))
        .order_by(table.name, table.id))) if organisations else []
    for service, record in zip(rows, service_dicts(session, rows, full=full, extension=extension), strict=True):
        record.pop("organization", None)  # it is the organisation it sits in
        services[service.organisation_id].append(record)
    return [_present({**organisation_dict(o), "services": services[str(o.id)]}) for o in organisations]


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


def directory_changed_at(session: Session) -> datetime:
    """When the directory last changed (its revision's time, bumped with it): a Last-Modified for every answer.
    The API keeps it per revision (directory.reference_cache)."""
    changed = session.exec(select(DirectoryRevision.changed_at).where(DirectoryRevision.id == 1)).one()
    return changed if changed.tzinfo else changed.replace(tzinfo=UTC)
