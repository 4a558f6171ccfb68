"""One atomic, idempotent submission: a referral with one service referral per chosen service, consent for
each, and a key worker for a family that refers itself."""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from directory import people, routing
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import (
    District,
    FamilyAccess,
    FamilyRecord,
    Referral,
    Service,
    ServiceReferral,
    User,
)
from directory.models.accounts import utcnow
from directory.models.referrals import OPEN_STATUSES
from directory.notify.queue import queue
from directory.references import new_reference
from directory.referrals import channels, drafts, lifecycle
from directory.referrals import fields as family_fields
from directory.referrals.records import routing_input, section_data


class ReferralError(ValueError):
    """A submission that cannot go ahead; the message is fit to show, and `link` (text, address), when there is
    one, is where to go instead."""

    def __init__(self, message: str, link: tuple[str, str] | None = None):
        super().__init__(message)
        self.link = link


def open_referrals(session: Session, record_id: uuid.UUID) -> dict[uuid.UUID, ServiceReferral]:
    """{service id: its open referral} for a record."""
    rows = session.exec(select(ServiceReferral).where(ServiceReferral.record_id == record_id,
                                                      ServiceReferral.status.in_(OPEN_STATUSES)))
    return {row.service_id: row for row in rows}


def duplicate(service: Service, row: ServiceReferral, reference: str) -> ReferralError:
    return ReferralError(f"{service.name} already has an open referral for this family ({reference}), so "
                         "another was not sent.", ("See the open referral", lifecycle.link(row)))


@dataclass
class Choice:
    """One chosen service and its consent (or the reason to go without)."""

    service_id: uuid.UUID
    consent_given_by: str | None = None
    consent_method: str | None = None
    consent_at: datetime | None = None
    without_consent_reason: str | None = None


def refusal(service: Service, channel: channels.Channel) -> str:
    """Why a service cannot be sent this referral through this site, fit to show."""
    if channel.how == channels.ASK_PROFESSIONAL:
        return f"{service.name} takes referrals only from professionals: ask {channel.ask_whom()} to refer."
    if channel.how == channels.ASK_KEY_WORKER:
        return f"{service.name} does not take referrals from families. Ask your key worker."
    if channel.how == channels.NOT_ACCEPTING:
        return f"{service.name} is not taking referrals. Go back and choose again."
    return f"{service.name} cannot be sent a referral through this site. Go back to see how to contact them."


def fields_shared_with(service: Service) -> list[str]:
    return family_fields.fields_for(service.data_needed)


def _new_reference(session: Session) -> str:
    while True:
        reference = new_reference("REF")
        if session.exec(select(Referral.id).where(Referral.reference == reference)).first() is None:
            return reference


def submit_referral(session: Session, user: User, roles: set[str], record: FamilyRecord, choices: list[Choice],
                    idempotency_key: str, caseload_limit: int, attempts: int = 5,
                    after: Callable[[Session, Referral], None] | None = None) -> Referral:
    """One referral with one service referral per choice, all or none, committed; the same key gives the
    same referral, however often or concurrently it is submitted. A key belongs to its record and to the person
    who submitted it: someone else's key finds nothing of theirs, and cannot be used again. `after` writes
    more in the same transaction (a re-route's event on the declined referral); it may raise ReferralError."""
    for attempt in range(attempts):
        begin_write(session)
        existing = session.exec(select(Referral).where(Referral.idempotency_key == idempotency_key)).first()
        if existing is not None:
            session.rollback()
            if existing.record_id == record.id and existing.submitted_by_id == user.id:
                return existing
            raise ReferralError("The referral could not be saved. Try again.")
        try:
            referral = _write_referral(session, user, roles, record, choices, idempotency_key, caseload_limit)
            if after is not None:
                after(session, referral)
                session.flush()
            session.commit()
            return referral
        except routing.RecordError:
            # A saved answer the router cannot read (allocation reads the area): the family can fix it.
            session.rollback()
            raise ReferralError("Check the answers in About your child and save them again, then send the "
                                "referral.") from None
        except ReferralError:
            session.rollback()
            raise
        except (IntegrityError, OperationalError):
            # Another submission with this key, or another open referral to one of these services (or a write
            # lock) got there first: look again.
            session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise ReferralError("The referral could not be saved. Try again.")


def _write_referral(session: Session, user: User, roles: set[str], record: FamilyRecord, choices: list[Choice],
                    idempotency_key: str, caseload_limit: int) -> Referral:
    if not choices:
        raise ReferralError("Select at least one service")
    if record.closed_at is not None:
        raise ReferralError("This family's record is closed. Reopen it to send referrals.")
    self_referral = "key_worker" not in roles
    sections = section_data(session, record)
    referral = Referral(reference=_new_reference(session), record_id=record.id, submitted_by_id=user.id,
                        idempotency_key=idempotency_key, self_referral=self_referral)
    session.add(referral)
    session.flush()
    already = open_referrals(session, record.id)
    services = [session.get(Service, choice.service_id) for choice in choices]
    if any(service is None for service in services):
        raise ReferralError("A chosen service is not taking referrals. Go back and choose again.")
    found = channels.channels_for(session, services, channels.sender_role(roles))
    leads = channels.services_with_leads(session, [service.id for service in services])
    district_id, need_areas = _report_facts(session, sections)
    rows = []
    for choice, service in zip(choices, services, strict=True):
        if service.id in already:
            row = already[service.id]
            raise duplicate(service, row, session.get(Referral, row.referral_id).reference)
        channel = found[service.id]
        if not channel.choosable:
            raise ReferralError(refusal(service, channel))
        if not choice.without_consent_reason and not (choice.consent_given_by and choice.consent_method):
            raise ReferralError(f"Record consent for {service.name}")
        shared = fields_shared_with(service)
        replies_here = service.id in leads
        row = ServiceReferral(
            referral_id=referral.id, record_id=record.id, service_id=service.id,
            consent_given_by=choice.consent_given_by, consent_method=choice.consent_method,
            consent_at=None if choice.without_consent_reason else (choice.consent_at or utcnow()),
            without_consent_reason=choice.without_consent_reason, shared_fields=shared,
            sent_snapshot=family_fields.values(sections, shared), replies_here=replies_here,
            response_target_days=service.response_target_days if replies_here else None,
            district_id=district_id, need_areas=need_areas,
        )
        session.add(row)
        rows.append((row, service))
        audit(session, user.id, "share", "family_record", record.id, service_id=str(service.id), fields=shared,
              without_consent=bool(choice.without_consent_reason))
    session.flush()
    if record.key_worker_id is None:
        _allocate(session, record, sections, caseload_limit)
    for row, service in rows:
        lifecycle.write_event(session, record.id, row.id, user.id, "key_worker" if not self_referral else "family",
                              "sent", "sent")
        _tell_service_of_new(session, row, service, referral, record)
    audit(session, user.id, "submit", "referral", referral.id, record_id=record.id, services=len(choices))
    drafts.discard(session, record.id, user.id)
    session.flush()
    return referral


def _tell_service_of_new(session: Session, row: ServiceReferral, service: Service, referral: Referral,
                         record: FamilyRecord) -> None:
    """A service that replies here hears from the site; one that does not is told by email that a referral was
    made and whom to contact (the email holds no details of the child)."""
    if row.replies_here:
        lifecycle.tell_service(session, row, "A new referral has been sent to your service.", "new_referral")
        return
    key_worker = session.get(User, record.key_worker_id) if record.key_worker_id else None
    queue(session, service.referral_email, "new_referral_by_email", reference=referral.reference,
          key_worker_name=key_worker.name if key_worker else None,
          key_worker_email=key_worker.email if key_worker else None,
          key_worker_phone=key_worker.work_phone if key_worker else None)


def _report_facts(session: Session, sections: dict) -> tuple[uuid.UUID | None, list[str]]:
    """The family's district and areas of need, kept plain on each service referral for reports (which count
    and suppress small numbers); none when the router cannot place or read them."""
    try:
        facts = routing.read_record(session, routing_input(sections, None))
    except routing.RecordError:
        return None, []
    slug = facts.derived["district"]
    district = session.exec(select(District).where(District.slug == slug)).first() if slug else None
    return (district.id if district else None), list(facts.derived["need_areas"] or [])


def _allocate(session: Session, record: FamilyRecord, sections: dict, caseload_limit: int) -> None:
    """A self-referring family gets the key worker for their district with the smallest open caseload."""
    facts = routing.read_record(session, routing_input(sections, None))
    slug = facts.derived["district"]
    district = session.exec(select(District).where(District.slug == slug)).first() if slug else None
    worker = people.allocate_key_worker(session, district.id, caseload_limit) if district else None
    if worker is None:
        audit(session, None, "allocation_pending", "family_record", record.id)
        return
    record.key_worker_id = worker.id
    record.key_worker_changed_at = utcnow()
    audit(session, None, "allocate", "family_record", record.id, key_worker=str(worker.id))
    queue(session, worker.email, "key_worker_allocated")
    for access in session.exec(select(FamilyAccess).where(FamilyAccess.record_id == record.id)):
        member = session.get(User, access.user_id)
        queue(session, member.email, "your_key_worker", name=member.name, key_worker_name=worker.name)


# --- after sending ---------------------------------------------------------------------------------------------

