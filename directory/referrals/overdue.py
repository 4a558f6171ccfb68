"""Referrals a service has left unanswered past its response target, for administrators: the referral's
reference, the service and its leads, and how long it has waited. Nothing about the family."""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from directory.models import Referral, Service, ServiceReferral, User
from directory.models.accounts import utcnow
from directory.models.referrals import OPEN_STATUSES
from directory.referrals.lifecycle import service_leads
from directory.working_days import local_date, working_days_between


@dataclass
class Overdue:
    reference: str
    service: Service
    sent_on: date
    waited: int  # working days since sending
    target: int
    escalated: bool  # past twice the target
    leads: list[User] = field(default_factory=list)


def unanswered(session: Session, today: date | None = None) -> list[Overdue]:
    """Open referrals reminded (past the target) and still without a reply, longest waiting first."""
    today = today or local_date(utcnow())
    rows = session.exec(
        select(ServiceReferral, Referral.reference, Referral.submitted_at, Service)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .join(Service, Service.id == ServiceReferral.service_id)
        .where(ServiceReferral.status.in_(OPEN_STATUSES), ServiceReferral.first_response_at.is_(None),
               ServiceReferral.reminded_at.is_not(None))
        .order_by(Referral.submitted_at)).all()
    leads: dict = {}
    out = []
    for row, reference, submitted_at, service in rows:
        if service.id not in leads:
            leads[service.id] = service_leads(session, service.id)
        sent_on = local_date(submitted_at)
        out.append(Overdue(reference, service, sent_on, working_days_between(sent_on, today),
                           row.response_target_days or 0, row.escalated_at is not None, leads[service.id]))
    return out
