"""What was sent, as the service and the family see it: the values as sent, and what changed since, by whom."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory.accounts import user_roles
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import (
    AuditEntry,
    FamilyAccess,
    FamilyRecord,
    Referral,
    Service,
    ServiceReferral,
    User,
)
from directory.referrals import access, readable
from directory.referrals import fields as family_fields
from directory.referrals.records import section_data


@dataclass
class Change:
    """One field the service receives that differs from what was sent: both values in words, and the last change."""

    key: str
    name: str
    before: str | list[str]
    after: str | list[str]
    by: str | None  # "Alex Jones (family)"; None when the log has no change after sending (an older record)
    at: datetime | None


@dataclass
class SentView:
    """A service referral as its service sees it: the values as sent, and what changed since sending."""

    service_referral: ServiceReferral
    service: Service
    referral: Referral
    current: dict
    changed: list[str]
    as_sent: list = field(default_factory=list)  # (field name, words) for each field shared, as sent
    changes: list[Change] = field(default_factory=list)
    # Consent for this service was withdrawn, and this is the service's view: it holds no value from the record
    # (current, as_sent and changes are empty), only that consent was withdrawn.
    withheld: bool = False


def withheld_from_service(service_referral: ServiceReferral) -> bool:
    """Whether the service may no longer see what it was sent: consent for it was withdrawn."""
    return service_referral.consent_withdrawn_at is not None


def service_referral_view(session: Session, service_referral: ServiceReferral,
                          names: readable.Names | None = None, *, for_service: bool = False) -> SentView:
    """The referral as sent and what changed since. `for_service`: the reader is the service (a lead), who gets
    nothing of the record once consent for it was withdrawn."""
    referral = session.get(Referral, service_referral.referral_id)
    if for_service and withheld_from_service(service_referral):
        return SentView(service_referral, session.get(Service, service_referral.service_id), referral, {}, [],
                        withheld=True)
    record = session.get(FamilyRecord, referral.record_id)
    names = names or readable.names(session)
    shared, snapshot = service_referral.shared_fields, service_referral.sent_snapshot
    current = family_fields.values(section_data(session, record), shared)
    changed = family_fields.changed_keys(snapshot, current)
    last = last_changes(session, record, referral.submitted_at) if changed else {}
    changes = [Change(key, family_fields.FIELDS[key], readable.text(key, snapshot.get(key), names),
                      readable.text(key, current.get(key), names), *last.get(key, (None, None)))
               for key in changed]
    return SentView(service_referral, session.get(Service, service_referral.service_id), referral, current,
                    changed, readable.rows(snapshot, shared, names), changes)


def last_changes(session: Session, record: FamilyRecord, since: datetime) -> dict[str, tuple[str, datetime]]:
    """{field key: (who, when)} for the newest change to each field of the record after `since`, from the audit
    log (which holds field names, never values)."""
    entries = session.exec(select(AuditEntry).where(
        AuditEntry.record_id == record.id, AuditEntry.action == "update",
        AuditEntry.object_type == "family_record").order_by(AuditEntry.at.desc())).all()
    since, out, people = as_utc(since), {}, {}
    for entry in entries:
        if as_utc(entry.at) <= since:
            break
        section = entry.detail.get("section")
        for name in entry.detail.get("fields") or []:
            key = f"{section}.{name}"
            if key not in out:
                if entry.user_id not in people:
                    people[entry.user_id] = _who(session, record, entry.user_id)
                out[key] = (people[entry.user_id], as_utc(entry.at))
    return out


def _who(session: Session, record: FamilyRecord, user_id) -> str | None:
    """ "Alex Jones (family)" or "Kim Keyworker (key worker)": the person's name and their part in the record."""
    user = session.get(User, user_id) if user_id else None
    if user is None:
        return None
    if session.get(FamilyAccess, (record.id, user.id)) is not None:
        return f"{user.name} (family)"
    roles = user_roles(session, user)
    return f"{user.name} ({'key worker' if 'key_worker' in roles or user.id == record.key_worker_id else 'staff'})"


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
    begin_write(session)  # reads then writes: on SQLite, take the write lock before reading
    row = session.get(ServiceReferral, service_referral_id)
    if row is None or not access.can_see_service_referral(session, user_id, roles, row):
        return None
    # Someone who sees it only as a lead of its service (not as the family or its key worker) is the service.
    record = session.get(FamilyRecord, row.record_id)
    view = service_referral_view(session, row, for_service=not access.can_see_record(session, user_id, roles,
                                                                                    record))
    audit(session, user_id, "view", "service_referral", row.id, record_id=view.referral.record_id,
          **({"withheld": True} if view.withheld else {}))
    session.commit()
    return view


def confirmation(session: Session, user_id: uuid.UUID, record: FamilyRecord,
                 referral_id: uuid.UUID) -> tuple[Referral, list] | None:
    """One referral of the record with its (service referral, service) pairs, the view audited and committed."""
    begin_write(session)
    found = [(referral, rows) for referral, rows in referrals_of(session, record) if referral.id == referral_id]
    if not found:
        return None
    audit(session, user_id, "view", "referral", referral_id, record_id=record.id, page="confirmation")
    session.commit()
    return found[0]
