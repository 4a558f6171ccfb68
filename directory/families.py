"""Family records and referrals: who may see what, saving sections, routing the child, and one atomic submission.

Below the web layer: plain functions over a session; views check the role, these check the object.
"""

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from directory import family_fields, people, routing
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import (
    District,
    FamilyAccess,
    FamilyRecord,
    FamilySection,
    Referral,
    Service,
    ServiceAttribute,
    ServiceMembership,
    ServiceReferral,
    TaxonomyTerm,
    User,
)
from directory.models.accounts import utcnow
from directory.models.families import SECTIONS
from directory.notify import queue_email

ROLE_FOR_ROUTING = {"key_worker": "key_worker", "family": "self"}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone


class ReferralError(ValueError):
    """A submission that cannot go ahead; the message is fit to show."""


# --- who may see what ------------------------------------------------------------------------------------------


def records_for(session: Session, user_id: uuid.UUID, roles: set[str]) -> list[FamilyRecord]:
    """The records a person works with: their families as key worker, or their own family's."""
    found: dict[uuid.UUID, FamilyRecord] = {}
    if "key_worker" in roles:
        for row in session.exec(select(FamilyRecord).where(
                (FamilyRecord.key_worker_id == user_id) | (FamilyRecord.created_by_id == user_id))):
            found[row.id] = row
    if "family" in roles:
        for row in session.exec(select(FamilyRecord).join(FamilyAccess, FamilyAccess.record_id == FamilyRecord.id)
                                .where(FamilyAccess.user_id == user_id)):
            found[row.id] = row
    return sorted(found.values(), key=lambda r: r.created_at)


def can_see_record(session: Session, user_id: uuid.UUID, roles: set[str], record: FamilyRecord) -> bool:
    if "key_worker" in roles and user_id in (record.key_worker_id, record.created_by_id):
        return True
    if "family" in roles:
        return session.get(FamilyAccess, (record.id, user_id)) is not None
    return False


def get_record(session: Session, user_id: uuid.UUID, roles: set[str], record_id: uuid.UUID) -> FamilyRecord | None:
    """The record if this person may see it (None otherwise, so its existence is not revealed)."""
    record = session.get(FamilyRecord, record_id)
    if record is None or not can_see_record(session, user_id, roles, record):
        return None
    return record


def can_see_service_referral(session: Session, user_id: uuid.UUID, roles: set[str],
                             service_referral: ServiceReferral) -> bool:
    """Leads of the service it was sent to, and whoever may see the family's record."""
    if "service_lead" in roles and session.get(ServiceMembership, (user_id, service_referral.service_id)):
        return True
    referral = session.get(Referral, service_referral.referral_id)
    return can_see_record(session, user_id, roles, session.get(FamilyRecord, referral.record_id))


# --- the record ------------------------------------------------------------------------------------------------


def create_record(session: Session, user_id: uuid.UUID, roles: set[str]) -> FamilyRecord:
    record = FamilyRecord(created_by_id=user_id,
                          key_worker_id=user_id if "key_worker" in roles else None)
    session.add(record)
    session.flush()
    if "key_worker" not in roles:
        session.add(FamilyAccess(record_id=record.id, user_id=user_id))
    audit(session, user_id, "create", "family_record", record.id)
    return record


def sections_of(session: Session, record: FamilyRecord) -> dict[str, FamilySection]:
    return {s.section: s for s in session.exec(select(FamilySection).where(FamilySection.record_id == record.id))}


def section_data(session: Session, record: FamilyRecord) -> dict[str, dict]:
    return {name: section.data for name, section in sections_of(session, record).items()}


def save_section(session: Session, user_id: uuid.UUID, record: FamilyRecord, section: str, data: dict,
                 completed: bool) -> list[str]:
    """Store the section's answers (only what its form asks for); returns the fields that changed."""
    if section not in SECTIONS:
        raise ValueError(section)
    row = sections_of(session, record).get(section)
    if row is None:
        row = FamilySection(record_id=record.id, section=section, data={})
        session.add(row)
    merged = {**row.data, **data}
    changed = sorted(k for k in set(merged) | set(row.data) if merged.get(k) != row.data.get(k))
    row.data = merged
    row.completed = completed
    row.updated_at = record.updated_at = utcnow()
    audit(session, user_id, "update", "family_record", record.id, section=section, fields=changed)
    return changed


def routing_input(sections: dict[str, dict], referrer_role: str | None) -> dict:
    """The record as the router reads it: facts the family has given, and nothing invented."""
    child, needs = sections.get("child", {}), sections.get("needs", {})
    out: dict = {}
    for key in ("date_of_birth", "postcode", "district", "ehcp"):
        if child.get(key):
            out[key] = child[key]
    if str(child.get("school_year", "")).isdecimal():  # a value stored before validation was strict is skipped
        out["school_year"] = int(child["school_year"])
    for key in ("looked_after", "in_education"):
        if child.get(key) in ("yes", "no"):
            out[key] = child[key] == "yes"
    if "needs" in needs:
        for key in ("needs", "diagnoses", "suspected"):
            out[key] = list(needs.get(key) or [])
    return {"child": out, "referrer": {"role": referrer_role} if referrer_role else {}}


def route_record(session: Session, record: FamilyRecord, role: str | None, cache) -> tuple:
    return routing.route_record(session, routing_input(section_data(session, record), role), cache)


# --- submitting referrals --------------------------------------------------------------------------------------


@dataclass
class Choice:
    """One chosen service and its consent (or the reason to go without)."""

    service_id: uuid.UUID
    consent_given_by: str | None = None
    consent_method: str | None = None
    consent_at: datetime | None = None
    without_consent_reason: str | None = None


def accepts_self_referral(session: Session, service_id: uuid.UUID) -> bool:
    return session.exec(
        select(ServiceAttribute.id).join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.service_id == service_id, ServiceAttribute.link_type == "referrer",
               TaxonomyTerm.code == "self")
    ).first() is not None


def fields_shared_with(service: Service) -> list[str]:
    return family_fields.fields_for(service.data_needed)


def _new_reference(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"REF-{code[:4]}-{code[4:]}"
        if session.exec(select(Referral.id).where(Referral.reference == reference)).first() is None:
            return reference


def submit_referral(session: Session, user: User, roles: set[str], record: FamilyRecord, choices: list[Choice],
                    idempotency_key: str, caseload_limit: int, attempts: int = 5) -> Referral:
    """One referral with one service referral per choice, all or none, committed; the same key gives the
    same referral, however often or concurrently it is submitted. A key belongs to its record and to the person
    who submitted it: someone else's key finds nothing of theirs, and cannot be used again."""
    for attempt in range(attempts):
        begin_write(session)
        existing = session.exec(select(Referral).where(Referral.idempotency_key == idempotency_key)).first()
        if existing is not None:
            if existing.record_id == record.id and existing.submitted_by_id == user.id:
                return existing
            raise ReferralError("The referral could not be saved. Try again.")
        try:
            referral = _write_referral(session, user, roles, record, choices, idempotency_key, caseload_limit)
            session.commit()
            return referral
        except routing.RecordError:
            # A saved answer the router cannot read (allocation reads the area): the family can fix it.
            session.rollback()
            raise ReferralError("Check the answers in About your child and save them again, then send the "
                                "referral.") from None
        except (IntegrityError, OperationalError):
            # Another submission with this key (or a write lock) got there first: look again.
            session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise ReferralError("The referral could not be saved. Try again.")


def _write_referral(session: Session, user: User, roles: set[str], record: FamilyRecord, choices: list[Choice],
                    idempotency_key: str, caseload_limit: int) -> Referral:
    if not choices:
        raise ReferralError("Select at least one service")
    self_referral = "key_worker" not in roles
    sections = section_data(session, record)
    referral = Referral(reference=_new_reference(session), record_id=record.id, submitted_by_id=user.id,
                        idempotency_key=idempotency_key, self_referral=self_referral)
    session.add(referral)
    session.flush()
    for choice in choices:
        service = session.get(Service, choice.service_id)
        if service is None or service.status != "active" or not service.accepting_referrals:
            raise ReferralError("A chosen service is not taking referrals. Go back and choose again.")
        if self_referral and not accepts_self_referral(session, service.id):
            raise ReferralError(f"{service.name} does not take referrals from families. Ask your key worker.")
        if not choice.without_consent_reason and not (choice.consent_given_by and choice.consent_method):
            raise ReferralError(f"Record consent for {service.name}")
        shared = fields_shared_with(service)
        session.add(ServiceReferral(
            referral_id=referral.id, service_id=service.id, consent_given_by=choice.consent_given_by,
            consent_method=choice.consent_method,
            consent_at=None if choice.without_consent_reason else (choice.consent_at or utcnow()),
            without_consent_reason=choice.without_consent_reason, shared_fields=shared,
            sent_snapshot=family_fields.values(sections, shared),
        ))
        audit(session, user.id, "share", "family_record", record.id, service_id=str(service.id), fields=shared,
              without_consent=bool(choice.without_consent_reason))
    if record.key_worker_id is None:
        _allocate(session, record, sections, caseload_limit)
    audit(session, user.id, "submit", "referral", referral.id, services=len(choices))
    session.flush()
    return referral


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
    audit(session, None, "allocate", "family_record", record.id, key_worker=str(worker.id))
    queue_email(session, worker.email, "A family has been allocated to you",
                "A family has asked for help through the SEND services directory and you are now their key worker. "
                "Sign in to see their record.")
    for access in session.exec(select(FamilyAccess).where(FamilyAccess.record_id == record.id)):
        member = session.get(User, access.user_id)
        queue_email(session, member.email, "Your key worker",
                    f"Hello {member.name},\n\nYour key worker is {worker.name}. They will be in touch, and they can "
                    "see the referrals you have made, so you will not need to tell your story again.")


# --- after sending ---------------------------------------------------------------------------------------------


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
