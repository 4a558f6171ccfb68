"""The family record: written once, section by section, and read by the router."""

import uuid

from sqlmodel import Session, select

from directory import routing
from directory.audit import record as audit
from directory.db import begin_write
from directory.encryption import keyring
from directory.models import (
    FamilyAccess,
    FamilyRecord,
    FamilySection,
    ReferralEvent,
    ServiceReferral,
)
from directory.models.accounts import utcnow
from directory.models.families import SECTIONS
from directory.references import new_reference

ROLE_FOR_ROUTING = {"key_worker": "key_worker", "family": "self"}


def _new_record_reference(session: Session) -> str:
    while True:
        reference = new_reference("FAM")
        if session.exec(select(FamilyRecord.id).where(FamilyRecord.reference == reference)).first() is None:
            return reference


def lookup_hash(child: dict) -> str | None:
    """The keyed hash that finds a record by the child's names and date of birth (None until all three are known)."""
    parts = (child.get("first_name"), child.get("last_name"), child.get("date_of_birth"))
    return keyring().lookup_hash(*parts) if all(parts) else None


def create_record(session: Session, user_id: uuid.UUID, roles: set[str]) -> FamilyRecord:
    begin_write(session)  # reads (a free reference) then writes: on SQLite, take the write lock before reading
    record = FamilyRecord(reference=_new_record_reference(session), created_by_id=user_id,
                          key_worker_id=user_id if "key_worker" in roles else None)
    session.add(record)
    session.flush()
    if "key_worker" not in roles:
        session.add(FamilyAccess(record_id=record.id, user_id=user_id))
    audit(session, user_id, "create", "family_record", record.id)
    session.commit()
    return record


def sections_of(session: Session, record: FamilyRecord) -> dict[str, FamilySection]:
    return {s.section: s for s in session.exec(select(FamilySection).where(FamilySection.record_id == record.id))}


def section_data(session: Session, record: FamilyRecord) -> dict[str, dict]:
    return {name: section.data for name, section in sections_of(session, record).items()}


def save_section(session: Session, user_id: uuid.UUID, record: FamilyRecord, section: str, data: dict,
                 completed: bool) -> list[str]:
    """Store the section's answers (only what its form asks for) and commit; returns the fields that changed."""
    if section not in SECTIONS:
        raise ValueError(section)
    begin_write(session)
    row = sections_of(session, record).get(section)
    if row is None:
        row = FamilySection(record_id=record.id, section=section, data={})
        session.add(row)
    merged = {**row.data, **data}
    changed = sorted(k for k in set(merged) | set(row.data) if merged.get(k) != row.data.get(k))
    row.data = merged
    if section == "child":
        record.lookup_hash = lookup_hash(merged)
    row.completed = completed
    row.updated_at = record.updated_at = utcnow()
    audit(session, user_id, "update", "family_record", record.id, section=section, fields=changed)
    if changed and _has_referrals(session, record):
        # The timeline says what changed (field names only); each service sees the fields it receives.
        actor = "family" if session.get(FamilyAccess, (record.id, user_id)) is not None else "key_worker"
        session.add(ReferralEvent(record_id=record.id, actor_id=user_id, actor=actor, kind="record_changed",
                                  detail={"section": section, "fields": changed}))
    session.commit()
    return changed


def _has_referrals(session: Session, record: FamilyRecord) -> bool:
    return session.exec(select(ServiceReferral.id).where(ServiceReferral.record_id == record.id)).first() is not None


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

