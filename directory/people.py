"""Who works where: key workers' areas and caseloads, service leads' services."""

import uuid

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import District, FamilyRecord, KeyWorkerArea, Service, ServiceMembership, User, UserRole


def list_districts(session: Session) -> list[District]:
    return list(session.exec(select(District).order_by(District.name)))


def list_services(session: Session) -> list[Service]:
    return list(session.exec(select(Service).order_by(Service.name)))


def set_work(session: Session, user: User, district_ids: list[str], service_ids: list[str]) -> None:
    """The districts a key worker takes families from and the services a lead works for."""
    for district_id in district_ids:
        session.add(KeyWorkerArea(user_id=user.id, district_id=uuid.UUID(district_id)))
    for service_id in service_ids:
        session.add(ServiceMembership(user_id=user.id, service_id=uuid.UUID(service_id)))
    session.flush()


def active_leads(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    """The one definition of a service's leads: active accounts with the service_lead role and a membership of
    the service. {service id: its leads by email}, for the services that have any."""
    if not service_ids:
        return {}
    found: dict[uuid.UUID, list[User]] = {}
    rows = session.exec(
        select(ServiceMembership.service_id, User).join(User, User.id == ServiceMembership.user_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "service_lead"))
        .where(ServiceMembership.service_id.in_(list(service_ids)), User.is_active)
        .order_by(User.email)).all()
    for service_id, user in rows:
        found.setdefault(service_id, []).append(user)
    return found


def member_services(session: Session, user_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.exec(select(ServiceMembership.service_id).where(ServiceMembership.user_id == user_id)))


def open_caseload(session: Session, user_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count(FamilyRecord.id)).where(FamilyRecord.key_worker_id == user_id,
                                                 FamilyRecord.closed_at.is_(None))
    ).one()


def allocate_key_worker(session: Session, district_id: uuid.UUID, default_limit: int) -> User | None:
    """The key worker for this district with the smallest open caseload still under their limit.

    The district's key workers are locked first (FOR UPDATE, in id order) so that families allocated at the same
    moment are counted one after another and nobody goes over their limit. SQLite has no row locks: there the
    caller's transaction already holds the database's single write lock (it has written the referral), and a
    transaction that read before another's commit fails and is retried by the submission."""
    session.exec(
        select(User.id).join(KeyWorkerArea, KeyWorkerArea.user_id == User.id)
        .where(KeyWorkerArea.district_id == district_id).order_by(User.id).with_for_update(of=User)
    ).all()
    caseload = (
        select(FamilyRecord.key_worker_id, func.count(FamilyRecord.id).label("open"))
        .where(FamilyRecord.closed_at.is_(None)).group_by(FamilyRecord.key_worker_id).subquery()
    )
    rows = session.exec(
        select(User, func.coalesce(caseload.c.open, 0))
        .join(KeyWorkerArea, KeyWorkerArea.user_id == User.id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "key_worker"))
        .outerjoin(caseload, caseload.c.key_worker_id == User.id)
        .where(KeyWorkerArea.district_id == district_id, User.is_active)
        .order_by(func.coalesce(caseload.c.open, 0), User.name)
    ).all()
    for user, open_records in rows:
        limit = default_limit if user.caseload_limit is None else user.caseload_limit
        if open_records < limit:
            return user
    return None
