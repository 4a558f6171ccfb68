"""Rows from checked import-format data: create what is new, update what changed, delete children no longer
listed, leave the rest. Ids are derived from the data's readable ids, so a second run finds every row and changes
nothing. Only directory.listings.writer (listings) and directory.seed.apply (places and taxonomies) use it."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, SQLModel, select

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
    OutwardCode,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceRelation,
    Taxonomy,
    TaxonomyTerm,
    stable_id,
)
from directory.models.accounts import utcnow
from directory.models.taxonomy import LINK_TYPES


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    def lines(self) -> list[str]:
        if not self.changes:
            return ["No changes: the database already matches the seed files."]
        out = []
        for verb, counter in (("created", self.created), ("updated", self.updated), ("deleted", self.deleted)):
            out += [f"{verb} {count} {table}" for table, count in sorted(counter.items()) if count]
        return out


class RowWriter:
    def __init__(self, session: Session, report: SeedReport):
        self.session = session
        self.report = report

    def upsert(self, model: type[SQLModel], row_id: uuid.UUID, values: dict) -> None:
        row = self.session.get(model, row_id)
        table = model.__tablename__
        if row is None:
            self.session.add(model(id=row_id, **values))
            self.report.created[table] += 1
            return
        changed = {key: value for key, value in values.items() if getattr(row, key) != value}
        if changed:
            for key, value in changed.items():
                setattr(row, key, value)
            self.report.updated[table] += 1

    def sync_children(self, model: type[SQLModel], parent_field: str, parent_id: uuid.UUID, wanted: dict) -> None:
        """Make the parent's rows of `model` exactly `wanted` ({id: values})."""
        existing = self.session.exec(select(model).where(getattr(model, parent_field) == parent_id)).all()
        for row in existing:
            if row.id not in wanted:
                self.session.delete(row)
                self.report.deleted[model.__tablename__] += 1
        self.session.flush()
        for row_id, values in wanted.items():
            self.upsert(model, row_id, {parent_field: parent_id, **values})

    def places(self, places: dict) -> None:
        for la in places["local_authorities"]:
            la_id = stable_id("local_authority", la["slug"])
            self.upsert(LocalAuthority, la_id, {
                "slug": la["slug"], "name": la["name"], "short_name": la["short_name"], "code": la.get("code"),
                "local_offer_url": la.get("local_offer_url"),
            })
            for district in la["districts"]:
                district_id = stable_id("district", district["slug"])
                self.upsert(District, district_id, {
                    "slug": district["slug"], "name": district["name"], "code": district.get("code"),
                    "towns": district.get("towns", []), "local_authority_id": la_id,
                })
                self.session.flush()
                self._outward_codes(district_id, set(district["outward_codes"]))

    def _outward_codes(self, district_id: uuid.UUID, wanted: set[str]) -> None:
        existing = self.session.exec(select(OutwardCode).where(OutwardCode.district_id == district_id)).all()
        have = {row.code for row in existing}
        for row in existing:
            if row.code not in wanted:
                self.session.delete(row)
                self.report.deleted["outward_code"] += 1
        for code in sorted(wanted - have):
            self.session.add(OutwardCode(code=code, district_id=district_id))
            self.report.created["outward_code"] += 1

    def taxonomies(self, taxonomies: dict) -> None:
        term_ids: dict[tuple[str, str], uuid.UUID] = {}
        by_code: dict[str, uuid.UUID] = {}
        for taxonomy in taxonomies["taxonomies"]:
            for term in taxonomy["terms"]:
                term_id = stable_id("taxonomy_term", f'{taxonomy["slug"]}/{term["code"]}')
                term_ids[(taxonomy["slug"], term["code"])] = term_id
                by_code.setdefault(term["code"], term_id)
        for taxonomy in taxonomies["taxonomies"]:
            taxonomy_id = stable_id("taxonomy", taxonomy["slug"])
            self.upsert(Taxonomy, taxonomy_id, {
                "slug": taxonomy["slug"], "name": taxonomy["name"], "description": taxonomy["description"],
                "uri": taxonomy.get("uri"),
            })
        self.session.flush()
        # Terms without a parent first, so that a parent row always exists before its children.
        ordered = [
            (taxonomy, position, term)
            for taxonomy in taxonomies["taxonomies"]
            for position, term in enumerate(taxonomy["terms"])
        ]
        ordered.sort(key=lambda item: "parent" in item[2])
        for taxonomy, position, term in ordered:
            self.upsert(TaxonomyTerm, term_ids[(taxonomy["slug"], term["code"])], {
                "taxonomy_id": stable_id("taxonomy", taxonomy["slug"]), "code": term["code"], "name": term["name"],
                "description": term["description"], "parent_id": by_code.get(term.get("parent")),
                "term_uri": term.get("term_uri"), "position": position,
            })
            self.session.flush()

    def services(self, document: dict) -> None:
        district_ids = dict(self.session.exec(select(District.slug, District.id)).all())
        term_ids = {
            (taxonomy_slug, code): term_id
            for taxonomy_slug, code, term_id in self.session.exec(
                select(Taxonomy.slug, TaxonomyTerm.code, TaxonomyTerm.id)
                .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            )
        }
        for organisation in document["organisations"]:
            self.upsert(Organisation, stable_id("organisation", organisation["id"]), {
                "name": organisation["name"], "description": organisation["description"],
                "website": organisation.get("website"), "email": organisation.get("email"),
            })
        for location in document.get("locations", []):
            self._location(location)
        self.session.flush()
        terms_by_link = {}
        for (taxonomy_slug, code), term_id in term_ids.items():
            if taxonomy_slug in LINK_TYPES:
                terms_by_link.setdefault((LINK_TYPES[taxonomy_slug], code), term_id)
        for service in document["services"]:
            self._service(service, district_ids, terms_by_link)
        self.session.flush()
        # Relations last: every service they point at exists by now.
        for service in document["services"]:
            service_id = stable_id("service", service["id"])
            before = self.report.changes
            self.sync_children(ServiceRelation, "service_id", service_id, {
                stable_id("service_relation", f'{service_id}/{r["type"]}/{stable_id("service", r["service"])}'): {
                    "related_service_id": stable_id("service", r["service"]), "relation_type": r["type"],
                    "note": r.get("note"), "position": i,
                }
                for i, r in enumerate(service.get("relations", []))
            })
            if self.report.changes != before:
                self.session.get(Service, service_id).last_modified = utcnow()

    def _location(self, location: dict) -> None:
        location_id = stable_id("location", location["id"])
        self.upsert(Location, location_id, {
            "name": location["name"], "description": location.get("description"),
            "latitude": location.get("latitude"), "longitude": location.get("longitude"),
        })
        self.session.flush()
        address = location["address"]
        self.sync_children(Address, "location_id", location_id, {
            stable_id("address", f"{location_id}/0"): {
                "address_1": address["address_1"], "address_2": address.get("address_2"), "city": address["city"],
                "state_province": address.get("state_province"), "postal_code": address["postal_code"],
                "country": address.get("country", "GB"),
            },
        })
        self.sync_children(Accessibility, "location_id", location_id, {
            stable_id("accessibility", f"{location_id}/{i}"): {"description": text}
            for i, text in enumerate(location.get("accessibility", []))
        })

    def _service(self, service: dict, district_ids: dict, terms_by_link: dict) -> None:
        before = self.report.changes
        service_id = stable_id("service", service["id"])
        waiting = service.get("waiting_time") or {}
        self.upsert(Service, service_id, {
            "organisation_id": stable_id("organisation", service["organisation"]),
            "slug": service.get("slug", service["id"]), "name": service["name"], "summary": service["summary"],
            "description": service["description"], "status": service["status"], "url": service.get("url"),
            "email": service.get("email"), "opening_hours": service.get("opening_hours"),
            "minimum_age": service["min_age"], "maximum_age": service["max_age"],
            "how_to_refer": service["how_to_refer"], "accepting_referrals": service["accepting_referrals"],
            "referral_method": service.get("referral_method", "site"),
            "response_target_days": service.get("response_target_days", 10),
            "wait_weeks": waiting.get("weeks"),
            "wait_updated": date.fromisoformat(waiting["updated"]) if waiting else None,
            "assured_date": date.fromisoformat(service["assured_date"]),
            "eligibility": service.get("eligibility"),
            # Referral addresses are private and set apart from the published listing: a file without one keeps
            # the address the database has; null removes it.
            **({"referral_email": service["referral_email"]} if "referral_email" in service else {}),
        })
        self.session.flush()

        def child_id(kind: str, key) -> uuid.UUID:
            return stable_id(kind, f"{service_id}/{key}")

        self.sync_children(ServiceArea, "service_id", service_id, {
            child_id("service_area", slug): {"district_id": district_ids[slug]} for slug in service["areas"]
        })
        # Categories keep their order (the first is the service's main one); needs and referrers are sets.
        links = [("category", code, i) for i, code in enumerate(service["categories"])]
        links += [("need", code, 0) for code in service["needs"]]
        links += [("referrer", code, 0) for code in service["referrers"]]
        self.sync_children(ServiceAttribute, "service_id", service_id, {
            child_id("attribute", f"{link}/{code}"): {
                "taxonomy_term_id": terms_by_link[(link, code)], "link_type": link, "position": i,
            }
            for link, code, i in links
        })
        self.sync_children(ServiceAtLocation, "service_id", service_id, {
            child_id("service_at_location", stable_id("location", key)): {"location_id": stable_id("location", key)}
            for key in service.get("locations", [])
        })
        self.sync_children(Phone, "service_id", service_id, {
            child_id("phone", i): {"number": p["number"], "description": p.get("description"), "position": i}
            for i, p in enumerate(service.get("phones", []))
        })
        self.sync_children(Contact, "service_id", service_id, {
            child_id("contact", i): {"name": c["name"], "title": c.get("title"), "position": i}
            for i, c in enumerate(service.get("contacts", []))
        })
        self.sync_children(CostOption, "service_id", service_id, {
            child_id("cost_option", i): {
                "option": c["option"], "amount": c.get("amount"), "amount_description": c.get("amount_description"),
                "position": i,
            }
            for i, c in enumerate(service.get("costs", []))
        })
        self.sync_children(Language, "service_id", service_id, {
            child_id("language", i): {"name": x["name"], "code": x.get("code"), "note": x.get("note"), "position": i}
            for i, x in enumerate(service.get("languages", []))
        })
        if self.report.changes != before:
            self.session.get(Service, service_id).last_modified = utcnow()
