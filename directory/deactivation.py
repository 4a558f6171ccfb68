"""Deactivating an account (it cannot sign in, its sessions end, its history stays) and reactivating it. A key
worker's open families each go, in the same transaction, to another key worker or back to the queue for one; admins
see each family only by its reference, district and time with this key worker."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from directory import allocation, people_admin
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import District, FamilyRecord, User, UserRole
from directory.models.accounts import utcnow
from directory.notify.queue import queue
from directory.people_admin import NotFound, Refused

__all__ = ["FAMILIES_CHANGED", "FamilyToMove", "NotFound", "Refused", "deactivate", "families_to_move",
           "reactivate"]

FAMILIES_CHANGED = "Their families changed since you opened this page. Check who takes each family and confirm again."
QUEUE = None  # a move to the queue: no key worker until an admin or the next allocation gives one


@dataclass
class FamilyToMove:
    record_id: uuid.UUID
    reference: str
    district: District | None
    since: datetime  # with this key worker since

    def how_long(self, now: datetime | None = None) -> str:
        return allocation.how_long(self.since, now or utcnow())


def _open_records(person_id: uuid.UUID):
    return select(FamilyRecord).where(FamilyRecord.key_worker_id == person_id, FamilyRecord.closed_at.is_(None))


def families_to_move(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID) -> list[FamilyToMove]:
    """The key worker's open families, longest with them first: reference, district (read from the family's
    answers, so each is audited as viewed, that field alone, and committed) and since when."""
    begin_write(session)
    districts = allocation.districts_by_slug(session)
    records = session.exec(_open_records(person_id).order_by(FamilyRecord.key_worker_changed_at,
                                                             FamilyRecord.reference)).all()
    found = [FamilyToMove(r.id, r.reference, allocation.district_of(session, r.id, districts),
                          r.key_worker_changed_at) for r in records]
    for item in found:
        audit(session, admin_id, "view", "family_record", item.record_id, page="deactivate a key worker",
              fields=["child.district"])
    session.commit()
    return found


def deactivate(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID,
               moves: dict[uuid.UUID, uuid.UUID | None]) -> None:
    """Deactivate the account in one transaction: each open family goes to the key worker chosen for it (None: back
    to the queue), then the account can no longer sign in and every session it has ends. `moves` must answer for
    exactly the person's open families (else Refused(FAMILIES_CHANGED)). Audit entries, referrals and records the
    person made stay."""
    user = people_admin.lock_person(session, person_id)
    if user.id == admin_id:
        people_admin.refuse(session, "You cannot deactivate your own account. Ask another admin to do it.")
    if not user.is_active:
        people_admin.refuse(session, "Their account is already deactivated.")
    if session.get(UserRole, (user.id, "admin")) and people_admin.active_admins(session) <= {user.id}:
        people_admin.refuse(session, "They are the only active admin. Give someone else the admin role first.")
    records = session.exec(_open_records(user.id).order_by(FamilyRecord.id)
                           .with_for_update(key_share=True)).all()
    if {r.id for r in records} != set(moves):
        people_admin.refuse(session, FAMILIES_CHANGED)
    workers: dict[uuid.UUID, User] = {}
    for worker_id in {w for w in moves.values() if w is not None}:
        worker = session.get(User, worker_id)
        if (worker is None or worker.id == user.id or not worker.is_active
                or session.get(UserRole, (worker.id, "key_worker")) is None):
            people_admin.refuse(session, "Select a key worker from the list for each family")
        workers[worker_id] = worker
    for record in records:
        worker_id = moves[record.id]
        if worker_id is None:
            _return_to_queue(session, admin_id, record)
        else:
            allocation.give_key_worker(session, admin_id, record, workers[worker_id])
    now = utcnow()
    user.is_active = False
    user.deactivated_at = now
    user.session_version += 1
    audit(session, admin_id, "deactivate", "user", user.id, families_moved=len(records),
          returned_to_queue=sum(1 for r in records if moves[r.id] is None))
    session.commit()


def _return_to_queue(session: Session, admin_id: uuid.UUID, record: FamilyRecord) -> None:
    record.key_worker_id = None
    record.updated_at = record.key_worker_changed_at = utcnow()
    audit(session, admin_id, "allocate", "family_record", record.id, key_worker=None)
    for member in allocation.family_members(session, record.id):
        queue(session, member.email, "key_worker_left", name=member.name)


def reactivate(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """The account can sign in again (with its password as it was); its roles, services and districts are as they
    were left. Families moved away stay where they went."""
    user = people_admin.lock_person(session, person_id)
    if user.is_active:
        people_admin.refuse(session, "Their account is already active.")
    user.is_active = True
    user.deactivated_at = None
    audit(session, admin_id, "reactivate", "user", user.id)
    session.commit()
