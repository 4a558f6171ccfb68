"""Problems the public reports on a service's page: stored (the words and the optional email encrypted), sent to
the service's leads and the admins as a queue item, and resolved by either. Emails never carry the reporter's
address or words: they say a report was made and where to read it."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from directory import db
from directory.audit import record as audit
from directory.models import ProblemReport, Service, ServiceMembership
from directory.models.accounts import utcnow
from directory.notify.queue import queue
from directory.people import member_services
from directory.referrals.lifecycle import service_leads
from directory.referrals.reminders import admins

WHAT_LIMIT = 1000
EMAIL_LIMIT = 254


class ReportNotFound(LookupError):
    """No such report, or not one this person may act on (the page says "not found" either way)."""


@dataclass(frozen=True)
class Item:
    report: ProblemReport
    service: Service


def report(session: Session, service_id: uuid.UUID, what: str, email: str | None, *, lead_link: str,
           admin_link: str) -> ProblemReport:
    """Store a report about a service and email its leads (`lead_link`: their queue) and the admins
    (`admin_link`), then commit. `what` and `email` are checked by the form; they are checked again here so that
    nothing else can store more."""
    what = (what or "").strip()
    email = (email or "").strip() or None
    if not what or len(what) > WHAT_LIMIT or (email and len(email) > EMAIL_LIMIT):
        raise ValueError("A report needs what is wrong (at most 1,000 characters) and at most one email address")
    service = session.get(Service, service_id)
    if service is None:
        raise ReportNotFound(str(service_id))
    row = ProblemReport(service_id=service.id, what=what, email=email)
    session.add(row)
    session.flush()
    admin_addresses = {admin.email for admin in admins(session)}
    for address in sorted({lead.email for lead in service_leads(session, service.id)} - admin_addresses):
        queue(session, address, "problem_report", service=service.name, link=lead_link)
    for address in sorted(admin_addresses):
        queue(session, address, "problem_report", service=service.name, link=admin_link)
    audit(session, None, "report_problem", "problem_report", row.id, service_id=str(service.id),
          with_email=email is not None)
    session.commit()
    return row


def may_act(session: Session, user_id: uuid.UUID, roles: set[str], service_id: uuid.UUID) -> bool:
    """Admins act on every report; a service lead on those about their own services."""
    if "admin" in roles:
        return True
    return "service_lead" in roles and service_id in member_services(session, user_id)


def open_reports(session: Session) -> list[Item]:
    """Every open report, oldest first, with its service (the admins' queue)."""
    rows = session.exec(select(ProblemReport, Service).join(Service, Service.id == ProblemReport.service_id)
                        .where(ProblemReport.status == "open")
                        .order_by(ProblemReport.created_at, ProblemReport.id)).all()
    return [Item(report, service) for report, service in rows]


def lead_reports(session: Session, user_id: uuid.UUID) -> list[Item]:
    """Open reports about the services this person belongs to, oldest first."""
    rows = session.exec(select(ProblemReport, Service).join(Service, Service.id == ProblemReport.service_id)
                        .join(ServiceMembership, ServiceMembership.service_id == Service.id)
                        .where(ServiceMembership.user_id == user_id, ProblemReport.status == "open")
                        .order_by(ProblemReport.created_at, ProblemReport.id)).all()
    return [Item(report, service) for report, service in rows]


def open_counts(session: Session, service_ids) -> dict[uuid.UUID, int]:
    """service id -> its number of open reports (for the lead's "Your services" page); services with none are
    left out."""
    ids = list(service_ids)
    if not ids:
        return {}
    counts: dict[uuid.UUID, int] = {}
    for service_id in session.exec(select(ProblemReport.service_id).where(ProblemReport.service_id.in_(ids),
                                                                            ProblemReport.status == "open")):
        counts[service_id] = counts.get(service_id, 0) + 1
    return counts


def resolve(session: Session, user_id: uuid.UUID, roles: set[str], report_id: uuid.UUID,
            now: datetime | None = None) -> bool:
    """Mark an open report resolved, audit it and commit. False if it was already resolved (by someone else at the
    same moment, say); ReportNotFound if there is no such report or this person may not act on it."""
    db.begin_write(session)
    row = session.exec(select(ProblemReport).where(ProblemReport.id == report_id).with_for_update()
                       .execution_options(populate_existing=True)).first()
    if row is None or not may_act(session, user_id, roles, row.service_id):
        session.rollback()
        raise ReportNotFound(str(report_id))
    if row.status != "open":
        session.rollback()
        return False
    row.status = "resolved"
    row.resolved_by_id = user_id
    row.resolved_at = now or utcnow()
    audit(session, user_id, "resolve_problem_report", "problem_report", row.id, service_id=str(row.service_id))
    session.commit()
    return True
