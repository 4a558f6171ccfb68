"""Write the whole directory in the import format: importing the file into an empty database gives it back."""

from collections import defaultdict

from sqlmodel import Session, select

from directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
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
    TaxonomyTerm,
)

FORMAT = "send-directory-services/1"


# Required lists that may be empty, so they are written even then.
_KEEP = {"needs", "referrers"}


def _drop_empty(record: dict) -> dict:
    return {key: value for key, value in record.items() if key in _KEEP or value not in (None, [], "")}


def export_services(session: Session) -> dict:
    """Every organisation, location and service (any status), ids as UUIDs, in a stable order."""
    return {"format": FORMAT, "organisations": list(organisation_entries(session).values()),
            "locations": list(location_entries(session).values()),
            "services": list(service_entries(session).values())}


def organisation_entries(session: Session, organisation_ids: list | None = None) -> dict:
    """{organisation id: its entry in the import format}, for these organisations (every one when None), by id."""
    query = select(Organisation).order_by(Organisation.id)
    if organisation_ids is not None:
        query = query.where(Organisation.id.in_(organisation_ids))
    return {o.id: _drop_empty({"id": str(o.id), "name": o.name, "description": o.description, "website": o.website,
                               "email": o.email})
            for o in session.exec(query)}


def location_entries(session: Session, location_ids: list | None = None) -> dict:
    """{location id: its entry in the import format}, for these locations (every one when None), by id; a location
    without an address is not written (the import format needs one)."""
    def where(query, column):
        return query if location_ids is None else query.where(column.in_(location_ids))

    addresses = {a.location_id: a for a in session.exec(where(select(Address), Address.location_id))}
    accessibility = defaultdict(list)
    for row in session.exec(where(select(Accessibility), Accessibility.location_id)):
        accessibility[row.location_id].append(row)
    return {
        location.id: _drop_empty({
            "id": str(location.id), "name": location.name, "description": location.description,
            "address": _drop_empty({
                "address_1": address.address_1, "address_2": address.address_2, "city": address.city,
                "state_province": address.state_province, "postal_code": address.postal_code,
                "country": address.country,
            }),
            "latitude": location.latitude, "longitude": location.longitude,
            "accessibility": sorted(a.description for a in accessibility[location.id]),
        })
        for location in session.exec(where(select(Location).order_by(Location.id), Location.id))
        if (address := addresses.get(location.id))
    }


def service_entries(session: Session, service_ids: list | None = None) -> dict:
    """{service id: its entry in the import format}, for these services (every service when None), by id."""
    def by_parent(model, parent: str) -> dict:
        query = select(model)
        if service_ids is not None:
            query = query.where(getattr(model, parent).in_(service_ids))
        grouped = defaultdict(list)
        for row in session.exec(query.order_by(*[model.position] if hasattr(model, "position") else [])):
            grouped[getattr(row, parent)].append(row)
        return grouped

    districts = {d.id: d.slug for d in session.exec(select(District))}
    terms = {t.id: t.code for t in session.exec(select(TaxonomyTerm))}
    areas, links = by_parent(ServiceArea, "service_id"), by_parent(ServiceAttribute, "service_id")
    at_locations, relations = by_parent(ServiceAtLocation, "service_id"), by_parent(ServiceRelation, "service_id")
    phones, contacts = by_parent(Phone, "service_id"), by_parent(Contact, "service_id")
    costs, languages = by_parent(CostOption, "service_id"), by_parent(Language, "service_id")
    services = {}
    query = select(Service).order_by(Service.id)
    if service_ids is not None:
        query = query.where(Service.id.in_(service_ids))
    for service in session.exec(query):
        linked = links[service.id]
        services[service.id] = _drop_empty({
            "id": str(service.id), "slug": service.slug, "organisation": str(service.organisation_id),
            "name": service.name, "summary": service.summary, "description": service.description,
            "status": service.status, "url": service.url, "email": service.email,
            "phones": [_drop_empty({"number": p.number, "description": p.description}) for p in phones[service.id]],
            "contacts": [_drop_empty({"name": c.name, "title": c.title}) for c in contacts[service.id]],
            "opening_hours": service.opening_hours, "min_age": service.minimum_age, "max_age": service.maximum_age,
            "areas": sorted(districts[a.district_id] for a in areas[service.id]),
            "categories": [terms[a.taxonomy_term_id] for a in linked if a.link_type == "category"],
            "needs": sorted(terms[a.taxonomy_term_id] for a in linked if a.link_type == "need"),
            "referrers": sorted(terms[a.taxonomy_term_id] for a in linked if a.link_type == "referrer"),
            "how_to_refer": service.how_to_refer, "accepting_referrals": service.accepting_referrals,
            "referral_method": service.referral_method, "referral_email": service.referral_email,
            "response_target_days": service.response_target_days,
            "waiting_time": {"weeks": service.wait_weeks, "updated": service.wait_updated.isoformat()}
            if service.wait_weeks is not None and service.wait_updated else None,
            "assured_date": service.assured_date.isoformat() if service.assured_date else None,
            "costs": [_drop_empty({"option": c.option, "amount": c.amount, "amount_description": c.amount_description})
                      for c in costs[service.id]],
            "languages": [_drop_empty({"name": x.name, "code": x.code, "note": x.note}) for x in languages[service.id]],
            "locations": sorted(str(x.location_id) for x in at_locations[service.id]),
            "eligibility": service.eligibility,
            "relations": [_drop_empty({"type": r.relation_type, "service": str(r.related_service_id), "note": r.note})
                          for r in relations[service.id]],
        })
    return services
