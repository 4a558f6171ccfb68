"""The services being chosen for a record and the consent for each, kept on the server (encrypted) between the
services, consent and check-answers pages: one draft per record and person, so it survives a lost cookie and
follows the person to a second device. Sending the referral deletes it; retention purges drafts untouched for
30 days."""

import uuid

from sqlmodel import Session, delete, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.models import FamilyRecord, ReferralDraft
from directory.models.accounts import utcnow


def get(session: Session, record: FamilyRecord, user_id: uuid.UUID) -> ReferralDraft | None:
    return session.exec(select(ReferralDraft).where(ReferralDraft.record_id == record.id,
                                                    ReferralDraft.user_id == user_id)).first()


def _save(session: Session, record: FamilyRecord, user_id: uuid.UUID, data: dict, changed: list[str]) -> None:
    begin_write(session)
    draft = get(session, record, user_id)
    if draft is None:
        draft = ReferralDraft(record_id=record.id, user_id=user_id, data={})
        session.add(draft)
    draft.data = data  # a new value: the encrypted column is written again
    draft.updated_at = utcnow()
    audit(session, user_id, "update", "referral_draft", draft.id, record_id=record.id, fields=changed)
    session.commit()


def choose_services(session: Session, record: FamilyRecord, user_id: uuid.UUID, service_ids: list[str]) -> None:
    """Start (or start again) with these services: consent is asked afresh, and a new idempotency key is made
    for the submission that will follow."""
    _save(session, record, user_id, {"services": list(service_ids), "consent": {}, "key": uuid.uuid4().hex},
          ["services"])


def record_consent(session: Session, record: FamilyRecord, user_id: uuid.UUID, consent: dict) -> None:
    """{service id: {"given_by", "method", "at", "reason"}} for the chosen services."""
    draft = get(session, record, user_id)
    if draft is None:
        raise ValueError("no draft to record consent in")
    _save(session, record, user_id, {**draft.data, "consent": consent}, ["consent"])


def discard(session: Session, record_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Delete the draft in the caller's transaction (the submission that sends it)."""
    session.exec(delete(ReferralDraft).where(ReferralDraft.record_id == record_id, ReferralDraft.user_id == user_id))
