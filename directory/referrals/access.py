"""Who may see what: the one policy for family records and the referrals sent from them."""

import uuid

from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import (
    FamilyAccess,
    FamilyRecord,
    Referral,
    ServiceMembership,
    ServiceReferral,
)


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


def open_record(session: Session, user_id: uuid.UUID, roles: set[str], record_id: uuid.UUID,
                **seen) -> FamilyRecord | None:
    """The record if this person may see it, with the view written to the audit log (`seen` says which page or
    section, by name) and committed; None, and nothing written, otherwise."""
    begin_write(session)  # reads then writes: on SQLite, take the write lock before reading
    record = get_record(session, user_id, roles, record_id)
    if record is not None:
        audit(session, user_id, "view", "family_record", record.id, **seen)
        session.commit()
    return record


def list_records(session: Session, user_id: uuid.UUID, roles: set[str]) -> list[FamilyRecord]:
    """The records a person works with, for a list that names each child: each one shown is audited as viewed."""
    begin_write(session)
    found = records_for(session, user_id, roles)
    for record in found:
        audit(session, user_id, "view", "family_record", record.id, page="families")
    session.commit()
    return found


def can_see_service_referral(session: Session, user_id: uuid.UUID, roles: set[str],
                             service_referral: ServiceReferral) -> bool:
    """Leads of the service it was sent to, and whoever may see the family's record."""
    if "service_lead" in roles and session.get(ServiceMembership, (user_id, service_referral.service_id)):
        return True
    referral = session.get(Referral, service_referral.referral_id)
    return can_see_record(session, user_id, roles, session.get(FamilyRecord, referral.record_id))


# --- the record ------------------------------------------------------------------------------------------------
