"""Inviting a family to see its own record, by the record's email address: an account is made for a new address,
and an address that already has an account is asked to sign in through the emailed link, which attaches the record.

A record is only ever attached to an account that the person holding the address can use: one that this invitation
makes (nobody can sign in to it until the emailed link proves the address and sets a password), or an existing one
once its owner follows the link while signed in to it. A matching address alone never attaches a record to an
account someone already has. The key worker's page says the same in every case, so it reveals no account.
"""

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from directory import account_changes, account_links, accounts
from directory.account_links import LinkFor
from directory.audit import record as audit
from directory.models import FamilyAccess, FamilyRecord, User, UserRole
from directory.models.accounts import utcnow
from directory.notify.queue import queue
from directory.referrals import access
from directory.referrals.records import section_data
from directory.throttle import Throttle

# The link for an existing account: bound to the record, it works once, for 7 days, for the account it was sent to.
PURPOSE = "record_invitation"
# The link for an account this invitation made: the account invitation (choose a password; 7 days).
NEW_ACCOUNT_PURPOSE = "invitation"


def record_to_invite(session: Session, user_id: uuid.UUID, roles: set[str],
                     record_id: uuid.UUID) -> FamilyRecord | None:
    """The record, if this person is a key worker who may see it (None otherwise, revealing nothing)."""
    if "key_worker" not in roles:
        return None
    return access.get_record(session, user_id, roles, record_id)


def address_of(session: Session, record: FamilyRecord) -> str | None:
    """The email address the record gives for the parent or carer ("people" section), if it is a valid one."""
    people = section_data(session, record).get("people", {})
    try:
        return accounts.normalise_email(people["carer_email"]) if people.get("carer_email") else None
    except accounts.AccountError:
        return None


def _grant(session: Session, user: User, record_id: uuid.UUID, by_id: uuid.UUID) -> None:
    """Let this account see and change the record (it becomes a family account if it was not one)."""
    if session.get(FamilyAccess, (record_id, user.id)) is None:
        session.add(FamilyAccess(record_id=record_id, user_id=user.id))
        audit(session, by_id, "grant_family_access", "family_record", record_id, account_id=str(user.id))
    if "family" not in accounts.user_roles(session, user):
        session.add(UserRole(user_id=user.id, role="family"))
    session.flush()


def invite_family(session: Session, key_worker: User, roles: set[str], record_id: uuid.UUID,
                  invitation_link: LinkFor, join_link: LinkFor, throttle: Throttle) -> bool | None:
    """Email the record's address an invitation to see the record (audited, committed). None if this person may
    not invite for the record; False, changing nothing, if the record has no valid email address yet. An address
    that has had too many emails this hour gets none (the page says the same: audited as throttled)."""
    record = record_to_invite(session, key_worker.id, roles, record_id)
    if record is None:
        return None
    address = address_of(session, record)
    if address is None:
        return False
    if not account_changes.may_email(session, throttle, address):
        audit(session, key_worker.id, "invite_family_throttled", "family_record", record.id)
        session.commit()
        return True
    carer_name = (section_data(session, record).get("people", {}).get("carer_name") or "").strip()
    user = accounts.get_user_by_email(session, address)
    made_here = user is None or (user.password_hash is None
                                 and session.get(FamilyAccess, (record.id, user.id)) is not None)
    if user is None:
        user = accounts.create_user(session, address, carer_name or "Parent or carer", ["family"], password=None)
    if made_here:
        # Nobody can sign in to this account until the link proves the address, so the record may be attached now.
        _grant(session, user, record.id, key_worker.id)
        queue(session, user.email, "record_invitation", name=carer_name or user.name, key_worker=key_worker.name,
              link=invitation_link(account_links.issue(session, user, NEW_ACCOUNT_PURPOSE)))
    elif user.is_active:
        queue(session, user.email, "record_invitation_sign_in", name=user.name, key_worker=key_worker.name,
              link=join_link(account_links.issue_bound(session, user, PURPOSE, record.id.hex)))
    audit(session, key_worker.id, "invite_family", "family_record", record.id)
    session.commit()
    return True


@dataclass
class JoinLink:
    """An emailed link to attach a record to an existing account: whose it is and which record."""

    user: User
    record: FamilyRecord


def read_join_link(session: Session, token: str) -> JoinLink | None:
    """What a valid, unused, unexpired link offers (None otherwise); changes nothing."""
    user = account_links.user_for(session, token, PURPOSE)
    try:
        record_id = uuid.UUID(hex=account_links.bound_to(token) or "")
    except ValueError:
        return None
    record = session.get(FamilyRecord, record_id)
    if user is None or record is None or record.closed_at is not None:
        return None
    return JoinLink(user, record)


def join(session: Session, token: str, user_id: uuid.UUID) -> FamilyRecord | None:
    """The signed-in owner of the invited account follows the link: the record is attached (audited, committed)
    and returned. None, changing nothing, if the link is not valid or was sent to another account."""
    link = read_join_link(session, token)
    if link is None or link.user.id != user_id:
        return None
    user = account_links.spend(session, token, PURPOSE)
    if user is None or user.id != user_id:
        session.rollback()
        return None
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    _grant(session, user, link.record.id, user.id)
    audit(session, user.id, "accept_family_invitation", "family_record", link.record.id)
    session.commit()
    return link.record
