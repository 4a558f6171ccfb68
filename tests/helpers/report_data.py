"""Hand-built data for the report tests: services of a category of their own (so the seeded directory does not
disturb the figures), referrals to them sent at chosen moments, their events, and listing revisions."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory.models import (
    District,
    FamilyRecord,
    ListingRevision,
    Organisation,
    Referral,
    ReferralEvent,
    Service,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)
from directory.models.referrals import ServiceReferral
from directory.models.taxonomy import CATEGORIES
from tests.helpers.people import make_user


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class Data:
    def __init__(self, session: Session):
        self.session = session
        self.user = make_user(session, ["key_worker"])
        self.organisation = session.exec(select(Organisation)).first()
        self.taxonomy = session.exec(select(Taxonomy).where(Taxonomy.slug == CATEGORIES)).one()
        self.terms = 0  # categories made, in order

    def district(self, slug: str) -> District:
        return self.session.exec(select(District).where(District.slug == slug)).one()

    def category(self, name: str) -> TaxonomyTerm:
        term = TaxonomyTerm(taxonomy_id=self.taxonomy.id, code=f"test-{uuid.uuid4().hex[:8]}", name=name,
                            description=name, position=1000 + self.terms)
        self.terms += 1
        self.session.add(term)
        self.session.flush()
        return term

    def service(self, name: str, categories=(), target: int = 10) -> Service:
        service = Service(organisation_id=self.organisation.id, slug=f"test-{uuid.uuid4().hex[:10]}", name=name,
                          summary=name, description=name, minimum_age=0, maximum_age=25, how_to_refer="Online",
                          response_target_days=target)
        self.session.add(service)
        self.session.flush()
        for term in categories:
            self.session.add(ServiceAttribute(service_id=service.id, taxonomy_term_id=term.id, link_type="category"))
        self.session.flush()
        return service

    def referral(self, service: Service, sent_at: datetime, status: str = "sent", *, district: District | None = None,
                 needs=(), outcome: str | None = None, first_response_at: datetime | None = None,
                 target: int | None = 10, replies_here: bool = True, changed_at: datetime | None = None
                 ) -> ServiceReferral:
        """One referral to one service (a record of its own), sent at `sent_at`, with the status given."""
        record = FamilyRecord(reference=f"FAM-{uuid.uuid4().hex[:10]}", created_by_id=self.user.id)
        self.session.add(record)
        self.session.flush()
        referral = Referral(reference=f"REF-{uuid.uuid4().hex[:10]}", record_id=record.id,
                            submitted_by_id=self.user.id, submitted_at=sent_at, idempotency_key=uuid.uuid4().hex)
        self.session.add(referral)
        self.session.flush()
        row = ServiceReferral(referral_id=referral.id, record_id=record.id, service_id=service.id, status=status,
                              status_changed_at=changed_at, first_response_at=first_response_at, outcome=outcome,
                              response_target_days=target if replies_here else None, replies_here=replies_here,
                              district_id=district.id if district else None, need_areas=list(needs))
        self.session.add(row)
        self.session.flush()
        self.event(row, sent_at, "sent", "sent")
        return row

    def event(self, row: ServiceReferral, at: datetime, status: str | None, kind: str) -> None:
        self.session.add(ReferralEvent(record_id=row.record_id, service_referral_id=row.id, at=at, actor="service",
                                       kind=kind, status=status))
        self.session.flush()

    def revision(self, service: Service, at: datetime, weeks: int | None, categories=(), areas=(),
                 status: str = "active") -> None:
        number = len(self.session.exec(select(ListingRevision.id)
                                       .where(ListingRevision.service_id == service.id)).all()) + 1
        self.session.add(ListingRevision(
            service_id=service.id, number=number, directory_revision=0, source="lead", created_at=at,
            document={"id": str(service.id), "status": status, "categories": [term.code for term in categories],
                      "areas": list(areas),
                      "waiting_time": {"weeks": weeks, "updated": at.date().isoformat()} if weeks is not None
                      else None}))
        self.session.flush()


def cells(table) -> list[list[str]]:
    """Every cell as the page and the CSV show it."""
    return [["–" if cell is None else str(cell) for cell in row] for row in table.rows]
