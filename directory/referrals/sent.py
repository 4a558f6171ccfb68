"""What was sent, as the service and the family see it now: current shared values and what changed since."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory.audit import record as audit
from directory.models import (
    FamilyRecord,
    Referral,
    Service,
    ServiceReferral,
)
from directory.referrals import access
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


def open_service_referral(session: Session, user_id: uuid.UUID, roles: set[str],
                          service_referral_id: uuid.UUID) -> SentView | None:
    """A service referral as its service sees it, if this person may see it, with the view audited and committed."""
    row = session.get(ServiceReferral, service_referral_id)
    if row is None or not access.can_see_service_referral(session, user_id, roles, row):
        return None
    view = service_referral_view(session, row)
    audit(session, user_id, "view", "service_referral", row.id, record_id=view.referral.record_id)
    session.commit()
    return view


def referrals_to_services(session: Session, user_id: uuid.UUID, service_ids: set[uuid.UUID]) -> list[SentView]:
    """What a service lead's services have been sent, newest first, each with what changed since. The list names
    each child, so each one shown is audited as viewed (and committed)."""
    rows = session.exec(
        select(ServiceReferral).join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.service_id.in_(list(service_ids))).order_by(Referral.submitted_at.desc())
    ).all()
    views = [service_referral_view(session, row) for row in rows]
    for view in views:
        audit(session, user_id, "view", "service_referral", view.service_referral.id,
              record_id=view.referral.record_id, page="referrals received")
    if views:
        session.commit()
    return views


def confirmation(session: Session, user_id: uuid.UUID, record: FamilyRecord,
                 referral_id: uuid.UUID) -> tuple[Referral, list] | None:
    """One referral of the record with its (service referral, service) pairs, the view audited and committed."""
    found = [(referral, rows) for referral, rows in referrals_of(session, record) if referral.id == referral_id]
    if not found:
        return None
    audit(session, user_id, "view", "referral", referral_id, record_id=record.id, page="confirmation")
    session.commit()
    return found[0]
