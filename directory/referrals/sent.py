"""What was sent, as the service and the family see it now: current shared values and what changed since."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory.models import (
    FamilyRecord,
    Referral,
    Service,
    ServiceReferral,
)
from directory.referrals import fields as family_fields
from directory.referrals.records import section_data


@dataclass
class SentView:
    """A service referral as its service sees it now: current shared values and what changed since sending."""

    service_referral: ServiceReferral
    service: Service
    referral: Referral
    current: dict
    changed: list[str]


def service_referral_view(session: Session, service_referral: ServiceReferral) -> SentView:
    referral = session.get(Referral, service_referral.referral_id)
    record = session.get(FamilyRecord, referral.record_id)
    current = family_fields.values(section_data(session, record), service_referral.shared_fields)
    return SentView(service_referral, session.get(Service, service_referral.service_id), referral, current,
                    family_fields.changed_keys(service_referral.sent_snapshot, current))


def referrals_of(session: Session, record: FamilyRecord) -> list[tuple[Referral, list]]:
    """Each referral for the record, newest first, with its (service referral, service) pairs."""
    out = []
    for referral in session.exec(select(Referral).where(Referral.record_id == record.id)
                                 .order_by(Referral.submitted_at.desc())):
        rows = session.exec(select(ServiceReferral, Service).join(Service, Service.id == ServiceReferral.service_id)
                            .where(ServiceReferral.referral_id == referral.id).order_by(Service.name)).all()
        out.append((referral, list(rows)))
    return out


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def referrals_to_services(session: Session, service_ids: set[uuid.UUID]) -> list[SentView]:
    """What a service lead's services have been sent, newest first, each with what changed since."""
    rows = session.exec(
        select(ServiceReferral).join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.service_id.in_(list(service_ids))).order_by(Referral.submitted_at.desc())
    ).all()
    return [service_referral_view(session, row) for row in rows]
