"""What the search index holds for each active service, read from the database in batches."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlmodel import Session, func, select

from directory.models import (
    CostOption,
    District,
    ListingRevision,
    Organisation,
    Service,
    ServiceArea,
    ServiceAttribute,
    ServiceRelation,
    TaxonomyTerm,
)
from directory.rules import needs_diagnosis

BATCH = 500


def active_service_ids(session: Session) -> set[str]:
    return {str(i) for i in session.exec(select(Service.id).where(Service.status == "active"))}


def active_service_revisions(session: Session) -> dict[str, str]:
    """{active service id: its latest listing revision number, as the index stores it} ("0" before its first)."""
    latest = (select(ListingRevision.service_id, func.max(ListingRevision.number))
              .group_by(ListingRevision.service_id).subquery())
    rows = session.exec(select(Service.id, latest.c[1]).outerjoin(latest, latest.c.service_id == Service.id)
                        .where(Service.status == "active"))
    return {str(service_id): str(number or 0) for service_id, number in rows}


def services_linked_to_terms(session: Session, term_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    linked = select(ServiceAttribute.service_id).where(ServiceAttribute.taxonomy_term_id.in_(list(term_ids)))
    return set(session.exec(linked))


def services_of_organisations(session: Session, organisation_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.exec(select(Service.id).where(Service.organisation_id.in_(list(organisation_ids)))))


def services_in_districts(session: Session, district_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    return set(session.exec(select(ServiceArea.service_id).where(ServiceArea.district_id.in_(list(district_ids)))))


def waiting_services(session: Session, service_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The services offered to families while they wait for any of these ("while you wait" relations)."""
    ids = list(service_ids)
    if not ids:
        return set()
    return set(session.exec(select(ServiceRelation.related_service_id).where(
        ServiceRelation.service_id.in_(ids), ServiceRelation.relation_type == "while_you_wait")))


def service_documents(session: Session, ids: Iterable[uuid.UUID] | None = None) -> Iterator[dict]:
    """One dict per active service (all of them when `ids` is None), ready for the index."""
    terms = {term.id: term for term in session.exec(select(TaxonomyTerm))}
    children = defaultdict(list)
    for term in terms.values():
        if term.parent_id:
            children[term.parent_id].append(term)
    districts = {district.id: district for district in session.exec(select(District))}
    if ids is None:
        id_list = list(session.exec(select(Service.id).where(Service.status == "active").order_by(Service.name)))
    else:
        id_list = list(ids)
    for start in range(0, len(id_list), BATCH):
        batch = id_list[start:start + BATCH]
        services = session.exec(select(Service).where(Service.id.in_(batch), Service.status == "active")).all()
        # Only this batch's organisations: a one-service update must not load every organisation.
        organisations = {o.id: o for o in session.exec(
            select(Organisation).where(Organisation.id.in_({s.organisation_id for s in services})))}
        links = defaultdict(list)
        for service_id, term_id, link_type in session.exec(
            select(ServiceAttribute.service_id, ServiceAttribute.taxonomy_term_id, ServiceAttribute.link_type)
            .where(ServiceAttribute.service_id.in_(batch))
        ):
            links[(service_id, link_type)].append(terms[term_id])
        areas = defaultdict(list)
        for service_id, district_id in session.exec(
            select(ServiceArea.service_id, ServiceArea.district_id).where(ServiceArea.service_id.in_(batch))
        ):
            areas[service_id].append(districts[district_id])
        free = set(session.exec(
            select(CostOption.service_id).where(CostOption.service_id.in_(batch), CostOption.amount == 0)
        ))
        revisions = dict(session.exec(
            select(ListingRevision.service_id, func.max(ListingRevision.number))
            .where(ListingRevision.service_id.in_(batch)).group_by(ListingRevision.service_id)).all())
        waiting = defaultdict(list)
        for related_id, name, summary in session.exec(
            select(ServiceRelation.related_service_id, Service.name, Service.summary)
            .join(Service, Service.id == ServiceRelation.service_id)
            .where(ServiceRelation.related_service_id.in_(batch), ServiceRelation.relation_type == "while_you_wait",
                   Service.status == "active")
            .order_by(Service.name)
        ):
            waiting[related_id].append(f"While you wait for {name}: {summary}")
        for service in services:
            yield {**_document(service, organisations[service.organisation_id], links, areas[service.id],
                               service.id in free, terms, children),
                   "revision": str(revisions.get(service.id) or 0), "waiting": " ".join(waiting[service.id])}


def _document(service, organisation, links, areas, free, terms, children) -> dict:
    categories = links[(service.id, "category")]
    needs = links[(service.id, "need")]
    referrers = links[(service.id, "referrer")]
    # A service for a whole area of need serves each type in it; a service for a type is in that type's area.
    need_terms = {term.id: term for term in needs}
    for term in needs:
        for child in children.get(term.id, []):
            need_terms[child.id] = child
        if term.parent_id:
            need_terms[term.parent_id] = terms[term.parent_id]
    places = [district.name for district in areas] + [town for district in areas for town in district.towns]
    return {
        "id": str(service.id),
        "slug": service.slug,
        "name": service.name,
        "summary": service.summary,
        "description": service.description,
        "organisation": organisation.name,
        "keywords": " ".join(t.name for t in [*categories, *need_terms.values()]),
        "places": " ".join(places),
        "category": [t.code for t in categories],
        "need": sorted(t.code for t in need_terms.values()),
        # The codes as the listing gives them (not widened to whole areas or their types): what the service is for.
        "listed": [t.code for t in [*categories, *needs]],
        "district": [district.slug for district in areas],
        "referrer": [t.code for t in referrers],
        "cost": ["free"] if free else [],
        "accepting": ["yes" if service.accepting_referrals else "no"],
        "ages": [str(age) for age in range(service.minimum_age, service.maximum_age + 1)],
        # What a family must already have to be taken on, as the listing's eligibility rule says.
        "requires": ["diagnosis"] if needs_diagnosis(service.eligibility) else [],
    }
