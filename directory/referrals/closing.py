"""The end of a family record: its key worker closes it (every open referral withdrawn, each service told) and can
reopen it; consent for one service can be withdrawn (that referral withdrawn, and the service sees no more of the
record). Each operation is one transaction, committed once, or refused having written nothing."""

import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import FamilyRecord, Referral, Service, ServiceReferral
from directory.models.accounts import utcnow
from directory.models.referrals import OPEN_STATUSES
from directory.referrals import access, lifecycle
from directory.referrals.lifecycle import Refused

MAX_REASON = lifecycle.MAX_TEXT

# What the emails say (never the child, a condition or the service).
CONSENT_NEWS_FOR_SERVICE = ("Consent to share a family's information with your service has been withdrawn. Please "
                            "do not act on the referral.")
CONSENT_NEWS_FOR_FAMILY_SIDE = ("Consent to share a family's information with a service has been withdrawn, so the "
                                "referral has been withdrawn.")


@dataclass
class OpenReferral:
    """An open referral of a record, as the closing page lists it."""

    service_referral: ServiceReferral
    service: Service
    reference: str


def is_key_worker(record: FamilyRecord, user_id: uuid.UUID, roles: set[str]) -> bool:
    return "key_worker" in roles and record.key_worker_id == user_id


def open_referrals(session: Session, record: FamilyRecord) -> list[OpenReferral]:
    """The record's open referrals, by service name: what closing it would withdraw."""
    rows = session.exec(
        select(ServiceReferral, Service, Referral.reference)
        .join(Service, Service.id == ServiceReferral.service_id)
        .join(Referral, Referral.id == ServiceReferral.referral_id)
        .where(ServiceReferral.record_id == record.id, ServiceReferral.status.in_(OPEN_STATUSES))
        .order_by(Service.name)).all()
    return [OpenReferral(row, service, reference) for row, service, reference in rows]


def _reason(reason: str | None, missing: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise Refused(missing)
    if len(text) > MAX_REASON:
        raise Refused(f"The reason must be {MAX_REASON} characters or fewer")
    return text


def _record_for_key_worker(session: Session, user_id: uuid.UUID, roles: set[str],
                           record_id: uuid.UUID) -> FamilyRecord | None:
    """The record, locked for the change, if this person may see it; Refused when they may see it but are not its
    key worker. (FOR NO KEY UPDATE on PostgreSQL: it does not block the key-share locks that writing a timeline
    event or an audit entry about the record takes, so a service acting at the same moment cannot deadlock.)"""
    record = session.exec(select(FamilyRecord).where(FamilyRecord.id == record_id)
                          .with_for_update(key_share=True)).first()
    if record is None or not access.can_see_record(session, user_id, roles, record):
        return None
    if not is_key_worker(record, user_id, roles):
        raise Refused("Only the family's key worker can close or reopen their record.")
    return record


def close_record(session: Session, user_id: uuid.UUID, roles: set[str], record_id: uuid.UUID,
                 reason: str | None) -> list[OpenReferral] | None:
    """Close the record and withdraw each open referral (each service is emailed), committed; returns what was
    withdrawn. None when the person may not see the record; Refused (nothing written) when they may not close it,
    it is already closed, or no reason is given."""
    begin_write(session)
    try:
        record = _record_for_key_worker(session, user_id, roles, record_id)
        if record is None:
            session.rollback()
            return None
        if record.closed_at is not None:
            raise Refused("This family's record is already closed.")
        text = _reason(reason, "Enter why you are closing the record")
        # The open referrals are locked before they are read, so a service acting at the same moment either goes
        # first or finds the referral withdrawn.
        session.exec(select(ServiceReferral.id).where(ServiceReferral.record_id == record.id,
                                                      ServiceReferral.status.in_(OPEN_STATUSES))
                     .with_for_update(key_share=True)).all()
        open_rows = open_referrals(session, record)
        withdrawn = [item for item in open_rows
                     if lifecycle.withdraw_open(session, user_id, "key_worker", item.service_referral,
                                                "record_closed", text=text)]
        record.closed_at = record.updated_at = utcnow()
        lifecycle.write_event(session, record.id, None, user_id, "key_worker", "record_closed", None, {"text": text})
        audit(session, user_id, "close", "family_record", record.id, referrals_withdrawn=len(withdrawn))
    except Refused:
        session.rollback()
        raise
    session.commit()
    return withdrawn


def reopen_record(session: Session, user_id: uuid.UUID, roles: set[str], record_id: uuid.UUID,
                  reason: str | None) -> FamilyRecord | None:
    """Reopen a closed record, committed (its withdrawn referrals stay withdrawn: they can be sent again). None
    when the person may not see it; Refused (nothing written) otherwise."""
    begin_write(session)
    try:
        record = _record_for_key_worker(session, user_id, roles, record_id)
        if record is None:
            session.rollback()
            return None
        if record.anonymised_at is not None:
            raise Refused("This family's record has been anonymised, so it cannot be reopened.")
        if record.closed_at is None:
            raise Refused("This family's record is open.")
        text = _reason(reason, "Enter why you are reopening the record")
        record.closed_at = None
        record.updated_at = utcnow()
        lifecycle.write_event(session, record.id, None, user_id, "key_worker", "record_reopened", None,
                              {"text": text})
        audit(session, user_id, "reopen", "family_record", record.id)
    except Refused:
        session.rollback()
        raise
    session.commit()
    return record


def withdraw_consent(session: Session, user_id: uuid.UUID, roles: set[str], service_referral_id: uuid.UUID,
                     reason: str | None) -> ServiceReferral | None:
    """Record that consent to share with this service is withdrawn, and withdraw the referral if it is still open
    (the service is emailed either way; so are the key worker and family, but not whoever did it), committed.
    From then on the service sees only that consent was withdrawn (directory.referrals.sent). None when the
    person may not see the referral; Refused (nothing written) when they are not its key worker or family, it is
    already withdrawn, or no reason is given."""
    begin_write(session)
    try:
        row = session.exec(select(ServiceReferral).where(ServiceReferral.id == service_referral_id)
                           .with_for_update(key_share=True)).first()
        part = lifecycle.part_of(session, user_id, roles, row) if row is not None else None
        if part is None:
            session.rollback()
            return None
        if part.who not in ("key_worker", "family"):
            raise Refused("Only the family or their key worker can withdraw consent.")
        if row.consent_withdrawn_at is not None:
            raise Refused("Consent for this referral has already been withdrawn.")
        text = _reason(reason, "Enter why consent is being withdrawn")
        lifecycle.write_event(session, row.record_id, row.id, user_id, part.who, "consent_withdrawn", None,
                              {"text": text})
        was_open = lifecycle.withdraw_open(session, user_id, part.who, row, "consent_withdrawn")
        session.execute(update(ServiceReferral).where(ServiceReferral.id == row.id)
                        .values(consent_withdrawn_at=utcnow(), version=ServiceReferral.version + 1))
        session.expire(row)
        audit(session, user_id, "withdraw_consent", "service_referral", row.id, record_id=row.record_id,
              referral_withdrawn=was_open)
        if not was_open:  # an open one's service has just been told it is withdrawn (lifecycle.withdraw_open)
            lifecycle.tell_service(session, row, CONSENT_NEWS_FOR_SERVICE)
        lifecycle.tell_family_side(session, row, part.record, CONSENT_NEWS_FOR_FAMILY_SIDE, skip=user_id)
    except Refused:
        session.rollback()
        raise
    session.commit()
    session.refresh(row)
    return row

