"""Read services: lists for browsing and everything a service page shows."""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from directory import reference_cache
from directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    District,
    Language,
    LocalAuthority,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceRelation,
    TaxonomyTerm,
)

# The referrer role for a parent, carer or young person asking for a service themselves.
SELF_REFERRAL = "self"


@dataclass
class ServiceListing:
    """What a list of services shows for each one."""

    service: Service
    organisation: Organisation
    districts: list[str] | None = None  # names, when the list shows areas
    self_referral: bool = False


@dataclass
class LocationDetails:
    location: Location
    address: Address | None
    accessibility: list[Accessibility]


@dataclass
class ServicePage:
    service: Service
    organisation: Organisation
    categories: list[TaxonomyTerm]
    needs: list[TaxonomyTerm]
    referrers: list[TaxonomyTerm]
    districts: list[District]
    locations: list[LocationDetails]
    phones: list[Phone]
    contacts: list[Contact]
    costs: list[CostOption]
    languages: list[Language]
    # The Local Offers of the councils whose areas the service covers: where to look when it has no contact details.
    local_offers: list[LocalAuthority]

    @property
    def has_contact_details(self) -> bool:
        return bool(self.phones or self.service.email or self.service.url or self.organisation.website)


def _listings(session: Session, *conditions) -> list[ServiceListing]:
    rows = session.exec(
        select(Service, Organisation)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(Service.status == "active", *conditions)
        .order_by(Service.name)
    )
    return [ServiceListing(service, organisation) for service, organisation in rows]


def services_linked_to(session: Session, term_ids: list[uuid.UUID]) -> list[ServiceListing]:
    """Active services linked to any of the terms, by name."""
    linked = select(ServiceAttribute.service_id).where(ServiceAttribute.taxonomy_term_id.in_(term_ids))
    return _listings(session, Service.id.in_(linked))


def services_in_district(session: Session, district: District) -> list[ServiceListing]:
    covering = select(ServiceArea.service_id).where(ServiceArea.district_id == district.id)
    return _listings(session, Service.id.in_(covering))


def all_services(session: Session) -> list[ServiceListing]:
    return _listings(session)


def listings_in_order(session: Session, ids: list[str]) -> list[ServiceListing]:
    """The services with these ids, in the given order (as the search index ranked them), with their areas."""
    if not ids:
        return []
    uuids = [uuid.UUID(i) for i in ids]
    by_id = {listing.service.id: listing for listing in _listings(session, Service.id.in_(uuids))}
    names = defaultdict(list)
    for service_id, name in session.exec(
        select(ServiceArea.service_id, District.name)
        .join(District, District.id == ServiceArea.district_id)
        .where(ServiceArea.service_id.in_(uuids))
        .order_by(District.name)
    ):
        names[service_id].append(name)
    self_referral = set(session.exec(
        select(ServiceAttribute.service_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.service_id.in_(uuids), ServiceAttribute.link_type == "referrer",
               TaxonomyTerm.code == SELF_REFERRAL)
    ))
    ordered = []
    for service_id in uuids:
        listing = by_id.get(service_id)
        if listing:  # a service changed since the index was read is simply left out
            listing.districts = names[service_id]
            listing.self_referral = service_id in self_referral
            ordered.append(listing)
    return ordered


def kept_listings(session: Session) -> dict[uuid.UUID, ServiceListing]:
    """Every active service's listing with its areas, by id, kept until the directory revision changes: rows shared
    by every request, detached from the session; read them, never change them."""
    return reference_cache.cached("active-listings", session, _all_listings)


def _all_listings(session: Session) -> dict[uuid.UUID, ServiceListing]:
    listings = {listing.service.id: listing for listing in _listings(session)}
    names = defaultdict(list)
    for service_id, name in session.exec(
        select(ServiceArea.service_id, District.name).join(District, District.id == ServiceArea.district_id)
        .order_by(District.name)
    ):
        names[service_id].append(name)
    self_referral = set(session.exec(
        select(ServiceAttribute.service_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.link_type == "referrer", TaxonomyTerm.code == SELF_REFERRAL)
    ))
    for service_id, listing in listings.items():
        listing.districts = names[service_id]
        listing.self_referral = service_id in self_referral
    reference_cache.detached(session, [row for listing in listings.values()
                                       for row in (listing.service, listing.organisation)])
    return listings


def categories_of(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TaxonomyTerm]]:
    """Each service's categories, for grouping a list of services."""
    rows = session.exec(
        select(ServiceAttribute.service_id, TaxonomyTerm)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.service_id.in_(service_ids), ServiceAttribute.link_type == "category")
        .order_by(TaxonomyTerm.position)
    )
    grouped: dict[uuid.UUID, list[TaxonomyTerm]] = defaultdict(list)
    for service_id, term in rows:
        grouped[service_id].append(term)
    return grouped


def get_service_page(session: Session, slug: str) -> ServicePage | None:
    found = session.exec(
        select(Service, Organisation).join(Organisation, Organisation.id == Service.organisation_id)
        .where(Service.slug == slug)
    ).first()
    if found is None:
        return None
    service, organisation = found
    terms = defaultdict(list)
    for link_type, term in session.exec(
        select(ServiceAttribute.link_type, TaxonomyTerm)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.service_id == service.id)
        .order_by(TaxonomyTerm.position)
    ):
        terms[link_type].append(term)
    districts = list(
        session.exec(
            select(District)
            .join(ServiceArea, ServiceArea.district_id == District.id)
            .where(ServiceArea.service_id == service.id)
            .order_by(District.name)
        )
    )

    def children(model):
        return list(session.exec(select(model).where(model.service_id == service.id).order_by(model.position)))

    return ServicePage(
        service=service,
        organisation=organisation,
        categories=terms["category"],
        needs=terms["need"],
        referrers=terms["referrer"],
        districts=districts,
        locations=_locations(session, service.id),
        phones=children(Phone),
        contacts=children(Contact),
        costs=children(CostOption),
        languages=children(Language),
        local_offers=list(session.exec(
            select(LocalAuthority)
            .where(LocalAuthority.id.in_({d.local_authority_id for d in districts}),
                   LocalAuthority.local_offer_url.is_not(None))
            .order_by(LocalAuthority.name)
        )) if districts else [],
    )


def _locations(session: Session, service_id: uuid.UUID) -> list[LocationDetails]:
    """The service's places by name, each with its address and accessibility: three queries however many."""
    locations = list(session.exec(
        select(Location)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == service_id)
        .order_by(Location.name)
    ))
    if not locations:
        return []
    ids = [location.id for location in locations]
    addresses: dict[uuid.UUID, Address] = {}
    for address in session.exec(select(Address).where(Address.location_id.in_(ids)).order_by(Address.id)):
        addresses.setdefault(address.location_id, address)
    accessibility = defaultdict(list)
    for item in session.exec(select(Accessibility).where(Accessibility.location_id.in_(ids))
                             .order_by(Accessibility.id)):
        accessibility[item.location_id].append(item)
    return [LocationDetails(location, addresses.get(location.id), accessibility[location.id])
            for location in locations]


def detach(session: Session, page: ServicePage, related: list["Related"] = ()) -> None:
    """Take the page's rows (and its related services') out of the session, so that a cache may keep them beyond
    the request: a rollback or close of the session then leaves them as they were read."""
    rows = [page.service, page.organisation, *page.categories, *page.needs, *page.referrers, *page.districts,
            *page.phones, *page.contacts, *page.costs, *page.languages, *page.local_offers]
    for place in page.locations:
        rows += [place.location, *([place.address] if place.address else []), *place.accessibility]
    for item in related:
        rows += [item.listing.service, item.listing.organisation]
    for row in rows:
        if row in session:
            session.expunge(row)


@dataclass
class Related:
    relation_type: str
    listing: ServiceListing
    note: str | None
    reverse: bool  # the edge points at this service rather than from it


def related_services(session: Session, service_id: uuid.UUID) -> list[Related]:
    """The service's edges to active services, and the cross-border equivalents that point at it."""
    edges = session.exec(
        select(ServiceRelation).where(
            (ServiceRelation.service_id == service_id)
            | ((ServiceRelation.related_service_id == service_id)
               & (ServiceRelation.relation_type == "cross_border_equivalent"))
        ).order_by(ServiceRelation.position)
    ).all()
    others = {e.related_service_id if e.service_id == service_id else e.service_id for e in edges}
    listings = {listing.service.id: listing for listing in _listings(session, Service.id.in_(others))}
    for service_id_, name in session.exec(
        select(ServiceArea.service_id, District.name)
        .join(District, District.id == ServiceArea.district_id)
        .where(ServiceArea.service_id.in_(others))
        .order_by(District.name)
    ):
        if service_id_ in listings:
            listings[service_id_].districts = (listings[service_id_].districts or []) + [name]
    related = []
    for edge in edges:
        reverse = edge.service_id != service_id
        other = listings.get(edge.service_id if reverse else edge.related_service_id)
        if other:
            related.append(Related(edge.relation_type, other, edge.note, reverse))
    return related
