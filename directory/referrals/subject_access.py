"""Subject access for information governance: find a family's record (by its reference, or by the child's names and
date of birth through the keyed lookup hash) and export everything held about that family, audited with a reason.

Only for the information governance role (the web layer checks it). The export holds values as they are stored
and nothing about any other family."""

import re
import uuid
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.models import (
    AuditEntry,
    FamilyAccess,
    FamilyRecord,
    FamilySection,
    Referral,
    ReferralDraft,
    ReferralEvent,
    Service,
    ServiceReferral,
    User,
)
from directory.models.accounts import utcnow
from directory.models.families import SECTIONS
from directory.references import ALPHABET
from directory.referrals.records import lookup_hash

PREFIX = "FAM"
# A record reference as people type it once case, spaces and dashes are set aside: the prefix is optional.
_REFERENCE = re.compile(rf"(?:{PREFIX})?([{ALPHABET}]{{8}})")


def normalise_reference(text: str) -> str | None:
    """"fam abcd 2345", "FAM-ABCD-2345" or "abcd2345" -> "FAM-ABCD-2345"; None if it cannot be a record's."""
    compact = re.sub(r"[\s\-\u2010-\u2015]", "", text or "").upper()
    found = _REFERENCE.fullmatch(compact)
    if found is None:
        return None
    code = found.group(1)
    return f"{PREFIX}-{code[:4]}-{code[4:]}"


def find_by_reference(session: Session, text: str) -> FamilyRecord | None:
    reference = normalise_reference(text)
    if reference is None:
        return None
    return session.exec(select(FamilyRecord).where(FamilyRecord.reference == reference)).first()


def find_by_child(session: Session, first_name: str, last_name: str, date_of_birth: date) -> list[FamilyRecord]:
    """Every record whose child has these names and date of birth (case, accents and spaces aside), oldest first."""
    wanted = lookup_hash({"first_name": first_name, "last_name": last_name,
                          "date_of_birth": date_of_birth.isoformat()})
    if wanted is None:
        return []
    return list(session.exec(select(FamilyRecord).where(FamilyRecord.lookup_hash == wanted)
                             .order_by(FamilyRecord.created_at)))


def search(session: Session, user_id: uuid.UUID, reason: str, *, reference: str | None = None,
           first_name: str | None = None, last_name: str | None = None,
           date_of_birth: date | None = None) -> list[FamilyRecord]:
    """Find by reference, or else by the child's names and date of birth; audit the search (one entry for each
    record found, or one without a record when none is) with the reason given, and commit."""
    if reference:
        found = [r for r in [find_by_reference(session, reference)] if r is not None]
        by = "reference"
    else:
        found = find_by_child(session, first_name or "", last_name or "", date_of_birth) if date_of_birth else []
        by = "child_name_and_date_of_birth"
    for record in found:
        audit(session, user_id, "subject_access_search", "family_record", record.id, reason=reason, by=by)
    if not found:
        audit(session, user_id, "subject_access_search", "family_record", None, reason=reason, by=by, found=0)
    session.commit()
    return found


def get_record(session: Session, record_id: uuid.UUID) -> FamilyRecord | None:
    return session.get(FamilyRecord, record_id)


def summary(session: Session, record: FamilyRecord) -> dict:
    """What confirms a search found the right family: the reference, the child, the dates and the key worker."""
    child = session.exec(select(FamilySection.data).where(FamilySection.record_id == record.id,
                                                          FamilySection.section == "child")).first() or {}
    return {"id": record.id, "reference": record.reference, "first_name": child.get("first_name"),
            "last_name": child.get("last_name"), "date_of_birth": _date(child.get("date_of_birth")),
            "created_at": record.created_at, "closed_at": record.closed_at,
            "key_worker": _name(session, record.key_worker_id)}


def export_for(session: Session, user_id: uuid.UUID, record: FamilyRecord, reason: str) -> dict:
    """Audit an export of the record with the reason given, commit, and return the export (which lists it)."""
    audit(session, user_id, "subject_access_export", "family_record", record.id, reason=reason)
    session.commit()
    return export(session, record)


def export(session: Session, record: FamilyRecord) -> dict:
    """Everything held about the family of this record, as JSON-ready values: the record, each section's answers,
    the family accounts with access, the referrals with each service's consent and what it was sent, the drafts
    being chosen, and the audit entries about the record."""
    names: dict[uuid.UUID | None, str | None] = {None: None}

    def name(user_id):
        if user_id not in names:
            names[user_id] = _name(session, user_id)
        return names[user_id]

    sections = {row.section: row for row in session.exec(select(FamilySection)
                                                         .where(FamilySection.record_id == record.id))}
    accounts = session.exec(select(User).join(FamilyAccess, FamilyAccess.user_id == User.id)
                            .where(FamilyAccess.record_id == record.id).order_by(User.name)).all()
    return _json({
        "exported_at": utcnow(),
        "record": {"reference": record.reference, "created_at": record.created_at,
                   "created_by": name(record.created_by_id), "updated_at": record.updated_at,
                   "key_worker": name(record.key_worker_id), "closed_at": record.closed_at},
        "sections": {section: {"answers": sections[section].data, "completed": sections[section].completed,
                               "updated_at": sections[section].updated_at}
                     for section in SECTIONS if section in sections},
        "family_accounts": [{"name": user.name, "email": user.email} for user in accounts],
        "referrals": [_referral(session, referral, name) for referral in session.exec(
            select(Referral).where(Referral.record_id == record.id).order_by(Referral.submitted_at))],
        "record_timeline": [{"at": event.at, "who": name(event.actor_id), "as": event.actor, "what": event.kind,
                             "detail": event.detail}
                            for event in session.exec(select(ReferralEvent).where(
                                ReferralEvent.record_id == record.id, ReferralEvent.service_referral_id.is_(None))
                                .order_by(ReferralEvent.at))],
        "drafts": [{"person": name(draft.user_id), "created_at": draft.created_at, "updated_at": draft.updated_at,
                    "data": draft.data}
                   for draft in session.exec(select(ReferralDraft).where(ReferralDraft.record_id == record.id)
                                             .order_by(ReferralDraft.created_at))],
        "audit": [{"at": entry.at, "who": name(entry.user_id), "action": entry.action,
                   "object_type": entry.object_type, "object_id": entry.object_id, "detail": entry.detail,
                   "client_address": entry.client_address}
                  for entry in session.exec(select(AuditEntry).where(_about(record)).order_by(AuditEntry.at))],
    })


def _about(record: FamilyRecord):
    # Entries written before audit entries named their record name it as their object.
    return or_(AuditEntry.record_id == record.id,
               and_(AuditEntry.record_id.is_(None), AuditEntry.object_type == "family_record",
                    AuditEntry.object_id == record.id))


def _referral(session: Session, referral: Referral, name) -> dict:
    rows = session.exec(select(ServiceReferral, Service).join(Service, Service.id == ServiceReferral.service_id)
                        .where(ServiceReferral.referral_id == referral.id).order_by(Service.name)).all()
    return {
        "reference": referral.reference, "submitted_at": referral.submitted_at,
        "submitted_by": name(referral.submitted_by_id), "self_referral": referral.self_referral,
        "services": [{
            "service": service.name, "status": row.status,
            "consent": None if row.without_consent_reason else {
                "given_by": row.consent_given_by, "method": row.consent_method, "at": row.consent_at},
            "without_consent_reason": row.without_consent_reason,
            "fields_shared": list(row.shared_fields), "values_sent": row.sent_snapshot,
            "sent_at": referral.submitted_at, "status_changed_at": row.status_changed_at,
            "first_response_at": row.first_response_at, "wait_weeks": row.wait_weeks,
            "appointment": row.appointment, "outcome": row.outcome,
            "consent_withdrawn_at": row.consent_withdrawn_at,
            "timeline": [{"at": event.at, "who": name(event.actor_id), "as": event.actor, "what": event.kind,
                          "status": event.status, "detail": event.detail}
                         for event in session.exec(select(ReferralEvent)
                                                   .where(ReferralEvent.service_referral_id == row.id)
                                                   .order_by(ReferralEvent.at))],
        } for row, service in rows],
    }


def _date(value) -> date | str | None:
    """A stored ISO date as a date; anything else (an answer saved before dates were checked) as it is."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.name if user is not None else None


def _json(value):
    """Dates and ids as text; everything else as stored."""
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
