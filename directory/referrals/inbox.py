"""A service lead's side of referrals: the inbox of referrals sent to their services (counted by status; filtered
by status, service and the child's district; sorted by date sent or by how long they have waited for a reply; a
page at a time, each child named on the page audited as viewed) and what the lead's page for one referral adds
(the response clock, the family's own words, the key worker to contact)."""

import math
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlmodel import Session, select

from directory import people
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import District, FamilySection, Referral, Service, ServiceReferral, User
from directory.models.accounts import utcnow
from directory.models.referrals import FINAL_STATUSES, OPEN_STATUSES, STATUSES
from directory.referrals import fields as family_fields
from directory.referrals.sent import withheld_from_service
from directory.referrals.words import STATUS_NAMES
from directory.working_days import local_date, working_days_between

PAGE_SIZE = 50

# The status filters, in the order the page offers them: every open referral, everything, then each status.
STATUS_FILTERS = {"open": "Open", "all": "All", **STATUS_NAMES}
SORTS = {
    "newest": "Date sent, newest first",
    "oldest": "Date sent, oldest first",
    "waiting": "Days waiting for a reply, longest first",
}
DEFAULT = {"status": "open", "sort": "newest"}

NOT_YOUR_SERVICE = "The service in the link is not one of yours, so referrals to all your services are shown."
UNKNOWN_STATUS = "The status in the link is not one we know, so open referrals are shown."
UNKNOWN_DISTRICT = "The area in the link is not one we know, so referrals from every area are shown."
UNKNOWN_SORT = "The order in the link is not one we know, so the newest referrals are shown first."
BAD_PAGE = "The page number in the link is not a page of this list, so the first page is shown."


@dataclass(frozen=True)
class Query:
    """What the lead asked to see (each value already checked by read_query)."""

    service_id: uuid.UUID | None = None  # None: all their services
    status: str = DEFAULT["status"]
    district: str | None = None  # a district's slug; None: every area
    sort: str = DEFAULT["sort"]
    page: int = 1

    def args(self, **changes) -> dict[str, str]:
        """The query string for this query with some values changed (defaults left out), for links."""
        query = replace(self, **changes)
        out = {"service": str(query.service_id) if query.service_id else None,
               "status": query.status if query.status != DEFAULT["status"] else None,
               "district": query.district, "sort": query.sort if query.sort != DEFAULT["sort"] else None,
               "page": str(query.page) if query.page != 1 else None}
        return {key: value for key, value in out.items() if value is not None}


def read_query(args: Mapping[str, str], service_ids: Iterable[uuid.UUID],
               district_slugs: Iterable[str]) -> tuple[Query, list[str]]:
    """The query from a request's parameters, and a message for each value that could not be used (and was
    left out): a bad value never fails the page."""
    problems, values = [], {}
    service = (args.get("service") or "").strip()
    if service and service != "all":
        try:
            chosen = uuid.UUID(service)
        except ValueError:
            chosen = None
        if chosen in set(service_ids):
            values["service_id"] = chosen
        else:
            problems.append(NOT_YOUR_SERVICE)
    status = (args.get("status") or "").strip()
    if status:
        if status in STATUS_FILTERS:
            values["status"] = status
        else:
            problems.append(UNKNOWN_STATUS)
    district = (args.get("district") or "").strip()
    if district and district != "all":
        if district in set(district_slugs):
            values["district"] = district
        else:
            problems.append(UNKNOWN_DISTRICT)
    sort = (args.get("sort") or "").strip()
    if sort:
        if sort in SORTS:
            values["sort"] = sort
        else:
            problems.append(UNKNOWN_SORT)
    page = (args.get("page") or "").strip()
    if page:
        if page.isdecimal() and len(page) < 7 and int(page) >= 1:
            values["page"] = int(page)
        else:
            problems.append(BAD_PAGE)
    return Query(**values), problems


@dataclass
class Row:
    """One referral in the list: what the lead sees of it, and its response clock."""

    service_referral: ServiceReferral
    referral: Referral
    service: Service
    child: str | None  # "Sam Jones" from the names as sent; None when not shared or consent was withdrawn
    withheld: bool  # consent was withdrawn: nothing of the family is shown
    district: District | None
    sent_on: date  # in England
    days_since_sent: int  # working days
    days_waiting: int  # working days from sending to the service's first reply (or to now, or to the end)
    target: int | None  # the response target in working days (None: no clock, the service does not reply here)
    overdue: bool  # past the target with no reply
    changed: bool  # the record has changed since sending, in a field this service receives

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.service_referral.status]


@dataclass
class Inbox:
    query: Query
    services: list[Service]  # the lead's services, by name
    districts: list[District]
    counts: dict[str, int]  # for each status filter, within the chosen service and area
    rows: list[Row]  # this page
    total: int  # referrals matching every filter
    pages: int
    problems: list[str] = field(default_factory=list)

    @property
    def first(self) -> int:
        return (self.query.page - 1) * PAGE_SIZE + 1


@dataclass
class _Item:
    """One referral before it is shown: only its plain columns, so that nothing encrypted is read for the
    referrals not on the page."""

    id: uuid.UUID
    record_id: uuid.UUID
    status: str
    sent_at: datetime
    first_response_at: datetime | None
    status_changed_at: datetime | None
    consent_withdrawn_at: datetime | None
    shared_fields: list
    district: str | None = None


def _items(session: Session, service_ids: set[uuid.UUID]) -> list[_Item]:
    if not service_ids:
        return []
    rows = session.exec(
        select(ServiceReferral.id, ServiceReferral.record_id, ServiceReferral.status, Referral.submitted_at,
               ServiceReferral.first_response_at, ServiceReferral.status_changed_at,
               ServiceReferral.consent_withdrawn_at, ServiceReferral.shared_fields)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.service_id.in_(list(service_ids)))
        .order_by(Referral.submitted_at.desc(), ServiceReferral.id))
    return [_Item(*row) for row in rows]


def _districts_of(session: Session, items: list[_Item]) -> None:
    """Each item's district as sent (the snapshot's, when the service received it), else the record's when the
    service received the postcode (the district says less than the postcode does); none when it received neither,
    or once consent was withdrawn (the service may see nothing of the family then)."""
    shown = [item for item in items if item.consent_withdrawn_at is None
             and ({"child.district", "child.postcode"} & set(item.shared_fields))]
    sent_ids = [item.id for item in shown if "child.district" in item.shared_fields]
    snapshots = dict(session.exec(select(ServiceReferral.id, ServiceReferral.sent_snapshot)
                                  .where(ServiceReferral.id.in_(sent_ids))).all()) if sent_ids else {}
    record_ids = {item.record_id for item in shown if item.id not in snapshots}
    children = dict(session.exec(select(FamilySection.record_id, FamilySection.data).where(
        FamilySection.record_id.in_(list(record_ids)), FamilySection.section == "child")).all()) if record_ids else {}
    for item in shown:
        if item.id in snapshots:
            item.district = snapshots[item.id].get("child.district")
        else:
            item.district = (children.get(item.record_id) or {}).get("district")


def _clock(item_sent: date, first_response_at, status: str, status_changed_at, today: date) -> int:
    """Working days the referral waited (or has waited so far) for the service's first reply."""
    if first_response_at is not None:
        end = local_date(first_response_at)
    elif status in FINAL_STATUSES and status_changed_at is not None:
        end = local_date(status_changed_at)  # ended (withdrawn) before the service replied
    else:
        end = today
    return working_days_between(item_sent, end)


def _matches(item: _Item, status: str) -> bool:
    if status == "all":
        return True
    if status == "open":
        return item.status in OPEN_STATUSES
    return item.status == status


def counts_of(items: Iterable[_Item]) -> dict[str, int]:
    by_status = Counter(item.status for item in items)
    counts = {"open": sum(by_status[s] for s in OPEN_STATUSES), "all": sum(by_status.values())}
    counts.update({status: by_status[status] for status in STATUSES})
    return counts


def service_inbox(session: Session, user_id: uuid.UUID, args: Mapping[str, str] | None = None,
                  today: date | None = None) -> Inbox:
    """The lead's inbox for the query in `args` (a request's parameters: service, status, district, sort, page;
    a value that cannot be used is left out, and the inbox says so), with each referral on the page that names a
    child audited as viewed (and committed). A page past the end shows the first page, and says so."""
    begin_write(session)  # reads then writes (the audit): on SQLite, take the write lock before reading
    today = today or local_date(utcnow())
    service_ids = people.member_services(session, user_id)
    services = list(session.exec(select(Service).where(Service.id.in_(list(service_ids))).order_by(Service.name))) \
        if service_ids else []
    districts = people.list_districts(session)
    query, problems = read_query(args or {}, service_ids, [district.slug for district in districts])
    items = _items(session, {query.service_id} if query.service_id else service_ids)
    if query.district is not None:
        _districts_of(session, items)
        items = [item for item in items if item.district == query.district]
    counts = counts_of(items)
    items = [item for item in items if _matches(item, query.status)]
    if query.sort == "oldest":
        items.reverse()
    elif query.sort == "waiting":
        waited = {item.id: _clock(local_date(item.sent_at), item.first_response_at, item.status,
                                  item.status_changed_at, today) for item in items}
        items.sort(key=lambda item: (-waited[item.id], item.sent_at))
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    if query.page > pages:
        query, problems = replace(query, page=1), [*problems, BAD_PAGE]
    shown = items[(query.page - 1) * PAGE_SIZE:query.page * PAGE_SIZE]
    rows = _rows(session, shown, {service.id: service for service in services},
                 {district.slug: district for district in districts}, today)
    for row in rows:
        if not row.withheld:
            audit(session, user_id, "view", "service_referral", row.service_referral.id,
                  record_id=row.service_referral.record_id, page="service inbox")
    session.commit()
    return Inbox(query, services, districts, counts, rows, len(items), pages, problems)


@dataclass
class Summary:
    """A lead's inbox in numbers, for their account page: names nobody, so nothing is audited."""

    open: int
    not_replied: int  # open, and the service has not replied yet
    past_target: int  # of those, past the response target


def summary(session: Session, user_id: uuid.UUID, today: date | None = None) -> Summary:
    today = today or local_date(utcnow())
    rows = session.exec(
        select(Referral.submitted_at, ServiceReferral.response_target_days, ServiceReferral.replies_here,
               ServiceReferral.first_response_at)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.service_id.in_(list(people.member_services(session, user_id))),
               ServiceReferral.status.in_(OPEN_STATUSES))).all()
    waiting = [(sent_at, target) for sent_at, target, replies_here, replied in rows
               if replied is None and replies_here]
    past = sum(1 for sent_at, target in waiting
               if target is not None and working_days_between(local_date(sent_at), today) > target)
    return Summary(len(rows), len(waiting), past)


def _rows(session: Session, items: list[_Item], services: dict, districts: dict, today: date) -> list[Row]:
    _districts_of(session, [item for item in items if item.district is None])
    found = {row.id: row for row in session.exec(select(ServiceReferral).where(
        ServiceReferral.id.in_([item.id for item in items])))} if items else {}
    # Each row's referral and its family record's sections read at once (two queries a page instead of three a row);
    # the referrals are held here until the rows are made, as the session keeps only weak references.
    loaded = list(session.exec(select(Referral).where(Referral.id.in_({row.referral_id for row in found.values()}))))
    sections: dict = {row.record_id: {} for row in found.values()}
    if found:
        for section in session.exec(select(FamilySection).where(FamilySection.record_id.in_(sections))):
            sections[section.record_id][section.section] = section.data
    rows = []
    for item in items:
        service_referral = found[item.id]
        referral = session.get(Referral, service_referral.referral_id)
        withheld = withheld_from_service(service_referral)
        sent_on = local_date(referral.submitted_at)
        target = service_referral.response_target_days if service_referral.replies_here else None
        waited = _clock(sent_on, service_referral.first_response_at, service_referral.status,
                        service_referral.status_changed_at, today)
        rows.append(Row(
            service_referral=service_referral, referral=referral, service=services[service_referral.service_id],
            child=None if withheld else child_name(service_referral), withheld=withheld,
            district=None if withheld else districts.get(item.district), sent_on=sent_on,
            days_since_sent=working_days_between(sent_on, today), days_waiting=waited, target=target,
            overdue=is_overdue(service_referral, waited),
            changed=False if withheld else _changed(service_referral, sections[service_referral.record_id])))
    del loaded
    return rows


def child_name(service_referral: ServiceReferral) -> str | None:
    """The child's first and last names as sent, where the service received them."""
    sent = service_referral.sent_snapshot
    parts = [sent.get(key) for key in ("child.first_name", "child.last_name")
             if key in service_referral.shared_fields and sent.get(key)]
    return " ".join(parts) or None


def is_overdue(service_referral: ServiceReferral, days_waiting: int) -> bool:
    """Past the response target with no reply yet, while the referral is open and the service replies here."""
    return (service_referral.replies_here and service_referral.response_target_days is not None
            and service_referral.first_response_at is None and service_referral.status in OPEN_STATUSES
            and days_waiting > service_referral.response_target_days)


def response_clock(service_referral: ServiceReferral, sent_at: datetime, today: date | None = None) -> tuple[int, bool]:
    """(working days waited for the service's first reply, whether that is past the target with no reply)."""
    today = today or local_date(utcnow())
    waited = _clock(local_date(sent_at), service_referral.first_response_at, service_referral.status,
                    service_referral.status_changed_at, today)
    return waited, is_overdue(service_referral, waited)


def _changed(service_referral: ServiceReferral, sections: dict[str, dict]) -> bool:
    """Whether the record's sections now (section_data) differ from what the service was sent."""
    current = family_fields.values(sections, service_referral.shared_fields)
    return bool(family_fields.changed_keys(service_referral.sent_snapshot, current))


@dataclass
class LeadPage:
    """What a lead's page for one referral adds to what was sent: the response clock, the family's own words
    (the "In your own words" fields the service received) and the key worker to contact."""

    days_since_sent: int
    days_waiting: int  # working days to the service's first reply, or so far
    target: int | None  # None: no clock (the referral went by email)
    overdue: bool
    own_words: list[tuple[str, str]]  # (field name, the family's words) as sent
    key_worker: User | None


def lead_page(session: Session, view, part, today: date | None = None) -> LeadPage | None:
    """For a service lead's view of a referral (directory.referrals.sent.SentView, lifecycle.Part); None for
    anyone else, and when consent was withdrawn (the service then sees nothing of the family)."""
    if part.who != "service" or view.withheld:
        return None
    row, today = view.service_referral, today or local_date(utcnow())
    sent_on = local_date(view.referral.submitted_at)
    waited, overdue = response_clock(row, view.referral.submitted_at, today)
    own_words = [(family_fields.FIELDS[key], str(row.sent_snapshot[key])) for key in row.shared_fields
                 if key.startswith("story.") and row.sent_snapshot.get(key)]
    key_worker = session.get(User, part.record.key_worker_id) if part.record.key_worker_id else None
    return LeadPage(working_days_between(sent_on, today), waited,
                    row.response_target_days if row.replies_here else None, overdue, own_words, key_worker)
