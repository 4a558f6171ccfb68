"""Families waiting for a key worker, as admins see them (the record's reference, its district and how long it has
waited: nothing else of the family), and an admin's assignment of one."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from directory import people
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import District, FamilyAccess, FamilyRecord, FamilySection, KeyWorkerArea, User, UserRole
from directory.models.accounts import utcnow
from directory.notify.queue import queue


class Refused(ValueError):
    """An assignment that cannot be made; the message is fit to show and nothing was written."""


@dataclass
class Waiting:
    record_id: uuid.UUID
    reference: str
    district: District | None  # None: the family has not given an address the site could place yet
    since: datetime

    def waited(self, now: datetime | None = None) -> str:
        return how_long(self.since, now or utcnow())


@dataclass
class Candidate:
    user: User
    covers_district: bool
    open_families: int


def how_long(since: datetime, now: datetime) -> str:
    """ "Less than a day", "1 day", "12 days", "3 weeks", "5 months"."""
    days = max((now - (since if since.tzinfo else since.replace(tzinfo=UTC))).days, 0)
    if days < 1:
        return "Less than a day"
    if days < 14:
        return f"{days} day{'' if days == 1 else 's'}"
    if days < 61:
        return f"{days // 7} weeks"
    return f"{days // 30} months"


def district_of(session: Session, record_id: uuid.UUID, districts: dict[str, District]) -> District | None:
    """The district from the child section (its slug; never anything else of it). The caller audits the read
    (fields=["child.district"]). `districts` is {slug: District}, from districts_by_slug."""
    child = session.exec(select(FamilySection).where(FamilySection.record_id == record_id,
                                                     FamilySection.section == "child")).first()
    return districts.get(child.data.get("district")) if child else None


def districts_by_slug(session: Session) -> dict[str, District]:
    return {d.slug: d for d in people.list_districts(session)}


def _waiting_records(session: Session):
    return select(FamilyRecord).where(FamilyRecord.key_worker_id.is_(None), FamilyRecord.closed_at.is_(None))


def _as_waiting(session: Session, record: FamilyRecord, districts: dict[str, District]) -> Waiting:
    return Waiting(record.id, record.reference, district_of(session, record.id, districts),
                   record.key_worker_changed_at)


def waiting_list(session: Session, admin_id: uuid.UUID) -> list[Waiting]:
    """Open records with no key worker, longest waiting first. Each record's district is read from the family's
    answers, so each one listed is audited as viewed (that field alone) and committed."""
    begin_write(session)
    districts = districts_by_slug(session)
    found = [_as_waiting(session, record, districts)
             for record in session.exec(_waiting_records(session).order_by(FamilyRecord.key_worker_changed_at))]
    for item in found:
        audit(session, admin_id, "view", "family_record", item.record_id, page="waiting for a key worker",
              fields=["child.district"])
    session.commit()
    return found


def waiting_record(session: Session, admin_id: uuid.UUID, record_id: uuid.UUID) -> Waiting | None:
    """One record still waiting (its reference, district and wait), the view audited and committed; None when
    there is no such record or it has a key worker or is closed."""
    begin_write(session)
    record = session.exec(_waiting_records(session).where(FamilyRecord.id == record_id)).first()
    if record is None:
        session.rollback()
        return None
    item = _as_waiting(session, record, districts_by_slug(session))
    audit(session, admin_id, "view", "family_record", record.id, page="assign a key worker",
          fields=["child.district"])
    session.commit()
    return item


def candidates(session: Session, district: District | None) -> list[Candidate]:
    """Active key workers, those who take new families from the district first, then by name, each with their
    open caseload."""
    covering = set(session.exec(select(KeyWorkerArea.user_id).where(KeyWorkerArea.district_id == district.id))) \
        if district else set()
    caseload = dict(session.exec(
        select(FamilyRecord.key_worker_id, func.count(FamilyRecord.id))
        .where(FamilyRecord.key_worker_id.is_not(None), FamilyRecord.closed_at.is_(None))
        .group_by(FamilyRecord.key_worker_id)).all())
    workers = session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                           .where(UserRole.role == "key_worker", User.is_active).order_by(User.name)).all()
    found = [Candidate(user, user.id in covering, caseload.get(user.id, 0)) for user in workers]
    return sorted(found, key=lambda c: (not c.covers_district, c.user.name.lower()))


def assign_key_worker(session: Session, admin_id: uuid.UUID, record_id: uuid.UUID,
                      key_worker_id: uuid.UUID) -> User | None:
    """Make this key worker the record's, audited, with emails to the key worker and to the family, committed.
    None when the record is not waiting (no such record, closed, or someone already assigned one: nothing is
    written); Refused when the person is not an active key worker."""
    begin_write(session)
    record = session.exec(_waiting_records(session).where(FamilyRecord.id == record_id)
                          .with_for_update(key_share=True)).first()
    if record is None:
        session.rollback()
        return None
    worker = session.get(User, key_worker_id)
    if worker is None or not worker.is_active or session.get(UserRole, (worker.id, "key_worker")) is None:
        session.rollback()
        raise Refused("Select a key worker from the list")
    give_key_worker(session, admin_id, record, worker)
    session.commit()
    return worker


def family_members(session: Session, record_id: uuid.UUID) -> list[User]:
    """The record's active family members, by email: who is told about its key worker."""
    return list(session.exec(select(User).join(FamilyAccess, FamilyAccess.user_id == User.id)
                             .where(FamilyAccess.record_id == record_id, User.is_active).order_by(User.email)))


def give_key_worker(session: Session, admin_id: uuid.UUID, record: FamilyRecord, worker: User) -> None:
    """Within the caller's transaction (which has checked both and commits): the record's key worker is now
    `worker`, audited, and they and the family are emailed."""
    record.key_worker_id = worker.id
    record.updated_at = record.key_worker_changed_at = utcnow()
    audit(session, admin_id, "allocate", "family_record", record.id, key_worker=str(worker.id))
    queue(session, worker.email, "key_worker_allocated")
    for member in family_members(session, record.id):
        queue(session, member.email, "your_key_worker", name=member.name, key_worker_name=worker.name)
