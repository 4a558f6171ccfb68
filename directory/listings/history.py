"""A listing's version history: each revision's differences from the one before, and restoring an earlier
version as a new change (through the one writer). Restoring commits once."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from directory.audit import record as audit
from directory.db import begin_write
from directory.listings import writer
from directory.listings.change_requests import NotAllowed, Refused
from directory.models import User
from directory.models.accounts import UserRole
from directory.models.listings import ListingRevision

# Never part of a listing's history that is restored: what identifies it, and the facts a lead keeps current
# (the waiting time, whether referrals are taken, the response target, the referral address, when it was last
# checked), which an older version would only make wrong.
FIXED = ("id", "slug", "organisation", "waiting_time", "accepting_referrals", "response_target_days",
         "referral_email", "assured_date")


@dataclass
class Difference:
    field: str
    before: object
    after: object


def revision(session: Session, service_id: uuid.UUID, number: int) -> ListingRevision | None:
    return session.exec(select(ListingRevision).where(ListingRevision.service_id == service_id,
                                                      ListingRevision.number == number)).first()


def differences(old: dict | None, new: dict) -> list[Difference]:
    """Field by field, what differs between two import-format entries (None: not there)."""
    old = old or {}
    return [Difference(key, old.get(key), new.get(key)) for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)]


def revision_differences(session: Session, service_id: uuid.UUID, number: int) -> list[Difference] | None:
    """What the revision changed from the one before it; None when there is no such revision."""
    this = revision(session, service_id, number)
    if this is None:
        return None
    previous = revision(session, service_id, number - 1)
    return differences(previous.document if previous else None, this.document)


def restore(session: Session, admin_id: uuid.UUID, service_id: uuid.UUID, number: int,
            reason: str | None = None) -> ListingRevision:
    """Write revision `number`'s listing back as a new change (source "restore") and commit. Raises NotAllowed
    (not an admin, no such revision) or Refused (the listing is already like that, or it no longer passes the
    checks), having written nothing."""
    begin_write(session)
    try:
        admin = session.get(User, admin_id)
        if admin is None or not admin.is_active or session.get(UserRole, (admin_id, "admin")) is None:
            raise NotAllowed()
        old = revision(session, service_id, number)
        current = writer.service_entry(session, service_id)
        if old is None or current is None:
            raise NotAllowed()
        changes = {d.field: d.after for d in differences(current, old.document) if d.field not in FIXED}
        if not changes:
            raise Refused(f"Nothing would change: the listing is already the same as version {number}.")
        written = writer.update_service(session, service_id, changes, source="restore", user_id=admin_id,
                                        reason=reason or f"Restored version {number}")
        if written is None:
            raise Refused(f"Nothing would change: the listing is already the same as version {number}.")
        audit(session, admin_id, "listing_restore", "service", service_id, restored=number,
              revision=written.number, fields=sorted(changes))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return written
