"""What a service lead publishes at once on their own listing (waiting time, accepting referrals, response target,
referral email) and "Still correct", each through the one writer, audited and committed once; and the summary of
their services for "Your services"."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.listings import writer
from directory.listings.freshness import is_out_of_date
from directory.listings.writer import ListingError
from directory.models import Service, ServiceMembership, ServiceReferral, UserRole
from directory.models.accounts import utcnow
from directory.models.listings import ChangeRequest, ProblemReport
from directory.models.referrals import OPEN_STATUSES
from directory.working_days import local_date

WAIT_WEEKS = (0, 260)
RESPONSE_DAYS = (1, 60)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class NotYourService(PermissionError):
    """The user is not a lead of this service (or it does not exist): show 404."""


def is_lead_of(session: Session, user_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    """A signed-in service lead who belongs to this service."""
    return session.exec(
        select(func.count()).select_from(ServiceMembership)
        .join(UserRole, (UserRole.user_id == ServiceMembership.user_id) & (UserRole.role == "service_lead"))
        .where(ServiceMembership.user_id == user_id, ServiceMembership.service_id == service_id)).one() > 0


def lead_service(session: Session, user_id: uuid.UUID, service_id: uuid.UUID) -> Service:
    """The service, if this user leads it; else NotYourService."""
    service = session.get(Service, service_id)
    if service is None or not is_lead_of(session, user_id, service_id):
        raise NotYourService(service_id)
    return service


def today_in_england() -> date:
    return local_date(utcnow())


# --- the fields published at once -----------------------------------------------------------------------------

def set_waiting_time(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, weeks: int,
                     today: date | None = None):
    if not isinstance(weeks, int) or not WAIT_WEEKS[0] <= weeks <= WAIT_WEEKS[1]:
        raise ListingError([f"Waiting time must be between {WAIT_WEEKS[0]} and {WAIT_WEEKS[1]} weeks"])
    day = today or today_in_england()
    return _publish(session, user_id, service_id, {"waiting_time": {"weeks": weeks, "updated": day.isoformat()}},
                    "lead", "Waiting time updated by a service lead")


def set_accepting(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, accepting: bool):
    if not isinstance(accepting, bool):
        raise ListingError(["Select yes if the service is taking new referrals"])
    return _publish(session, user_id, service_id, {"accepting_referrals": accepting}, "lead",
                    "Taking new referrals updated by a service lead")


def set_response_target(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, days: int):
    if not isinstance(days, int) or not RESPONSE_DAYS[0] <= days <= RESPONSE_DAYS[1]:
        raise ListingError([f"Response target must be between {RESPONSE_DAYS[0]} and {RESPONSE_DAYS[1]} "
                            "working days"])
    return _publish(session, user_id, service_id, {"response_target_days": days}, "lead",
                    "Response target updated by a service lead")


def set_referral_email(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, email: str | None):
    """A new referral address, or None to remove it."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.match(email)):
        raise ListingError(["Enter an email address in the correct format, like name@example.org"])
    return _publish(session, user_id, service_id, {"referral_email": email}, "lead",
                    "Referral email address updated by a service lead" if email
                    else "Referral email address removed by a service lead")


def confirm(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, today: date | None = None):
    """'Still correct': the listing was checked today."""
    day = today or today_in_england()
    return _publish(session, user_id, service_id, {"assured_date": day.isoformat()}, "confirm",
                    "Confirmed as still correct by a service lead")


def _publish(session: Session, user_id: uuid.UUID, service_id: uuid.UUID, changes: dict, source: str,
             reason: str):
    """Write the change through the writer, audit it and commit; the new revision, or None when nothing changed.
    NotYourService or ListingError leave nothing written."""
    begin_write(session)
    try:
        lead_service(session, user_id, service_id)
        revision = writer.update_service(session, service_id, changes, source=source, user_id=user_id,
                                         reason=reason)
        if revision is None:
            session.rollback()
            return None
        audit(session, user_id, "listing_confirmed" if source == "confirm" else "listing_published", "service",
              service_id, fields=sorted(changes), revision=revision.number)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return revision


# --- "Your services" ------------------------------------------------------------------------------------------

@dataclass
class ServiceSummary:
    service: Service
    out_of_date: bool
    referrals: dict[str, int] = field(default_factory=dict)  # open status: count
    pending_changes: int = 0
    open_problems: int = 0


def your_services(session: Session, user_id: uuid.UUID, today: date | None = None) -> list[ServiceSummary]:
    """Each service this lead belongs to, by name, with what needs their attention."""
    day = today or today_in_england()
    services = list(session.exec(
        select(Service).join(ServiceMembership, ServiceMembership.service_id == Service.id)
        .where(ServiceMembership.user_id == user_id).order_by(Service.name)))
    ids = [s.id for s in services]
    if not ids:
        return []
    referrals: dict[uuid.UUID, dict[str, int]] = {}
    for service_id, status, count in session.exec(
            select(ServiceReferral.service_id, ServiceReferral.status, func.count())
            .where(ServiceReferral.service_id.in_(ids), ServiceReferral.status.in_(OPEN_STATUSES))
            .group_by(ServiceReferral.service_id, ServiceReferral.status)):
        referrals.setdefault(service_id, {})[status] = count
    pending = dict(session.exec(select(ChangeRequest.service_id, func.count())
                                .where(ChangeRequest.service_id.in_(ids), ChangeRequest.status == "pending")
                                .group_by(ChangeRequest.service_id)).all())
    problems = dict(session.exec(select(ProblemReport.service_id, func.count())
                                 .where(ProblemReport.service_id.in_(ids), ProblemReport.status == "open")
                                 .group_by(ProblemReport.service_id)).all())
    return [ServiceSummary(service=s, out_of_date=is_out_of_date(s.assured_date, day),
                           referrals={status: referrals.get(s.id, {}).get(status, 0) for status in OPEN_STATUSES
                                      if referrals.get(s.id, {}).get(status)},
                           pending_changes=pending.get(s.id, 0), open_problems=problems.get(s.id, 0))
            for s in services]
