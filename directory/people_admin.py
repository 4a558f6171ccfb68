"""Admins manage the people who use the service: find them, give and take roles, attach them to the services they
lead and the districts they take families from, and set key workers' caseload limits. Each change checks its
rules, writes its audit entry (field names and ids only) and commits once, or raises Refused and writes nothing."""

import uuid
from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from directory import people
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import District, KeyWorkerArea, Service, ServiceMembership, User, UserRole
from directory.models.accounts import ROLES

PER_PAGE = 50
MAX_CASELOAD = 200
STATUSES = ("active", "deactivated")


class Refused(ValueError):
    """A change that cannot be made; the message is fit to show and nothing was written."""


class NotFound(LookupError):
    """No such person."""


# --- finding people -----------------------------------------------------------------------------------------------

@dataclass
class Found:
    people: list[User]
    roles: dict[uuid.UUID, set[str]]
    total: int
    page: int
    pages: int


def _like(words: str) -> str:
    escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_people(session: Session, words: str = "", role: str = "", status: str = "", page: int = 1) -> Found:
    """People whose name or email contains `words`, with `role` (one of ROLES) and `status` ("active" or
    "deactivated"), by name, PER_PAGE a page. An unknown role or status is ignored; a page past the end shows the
    last."""
    query = select(User)
    if words:
        pattern = _like(words)
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                func.lower(User.email).like(pattern, escape="\\")))
    if role in ROLES:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "active":
        query = query.where(User.is_active)
    elif status == "deactivated":
        query = query.where(User.is_active.is_(False))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(ceil(total / PER_PAGE), 1)
    page = min(max(page, 1), pages)
    found = list(session.exec(query.order_by(func.lower(User.name), User.email)
                              .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    roles: dict[uuid.UUID, set[str]] = {user.id: set() for user in found}
    if found:
        for user_id, name in session.exec(select(UserRole.user_id, UserRole.role)
                                          .where(UserRole.user_id.in_(list(roles)))):
            roles[user_id].add(name)
    return Found(found, roles, total, page, pages)


# --- one person -------------------------------------------------------------------------------------------------

@dataclass
class LastLead:
    """A service this person is the only active lead of, and whether it has a referral address to fall back on."""
    service: Service
    has_referral_email: bool


@dataclass
class Person:
    user: User
    roles: set[str]
    services: list[Service]
    districts: list[District]
    open_families: int
    last_lead_of: list[LastLead] = field(default_factory=list)

    @property
    def is_key_worker(self) -> bool:
        return "key_worker" in self.roles


def get_person(session: Session, person_id: uuid.UUID) -> Person:
    user = session.get(User, person_id)
    if user is None:
        raise NotFound(str(person_id))
    services = list(session.exec(select(Service).join(ServiceMembership, ServiceMembership.service_id == Service.id)
                                 .where(ServiceMembership.user_id == user.id).order_by(Service.name)))
    districts = list(session.exec(select(District).join(KeyWorkerArea, KeyWorkerArea.district_id == District.id)
                                  .where(KeyWorkerArea.user_id == user.id).order_by(District.name)))
    return Person(user, roles_of(session, user.id), services, districts, people.open_caseload(session, user.id),
                  last_lead_of(session, user.id))


def roles_of(session: Session, user_id: uuid.UUID) -> set[str]:
    return set(session.exec(select(UserRole.role).where(UserRole.user_id == user_id)))


def last_lead_of(session: Session, user_id: uuid.UUID) -> list[LastLead]:
    """The services where this person is the only active lead: without them, referrals go only to the service's
    referral address (or cannot be made through this site when it has none)."""
    mine = sorted(people.member_services(session, user_id))
    found = []
    for service_id, leads in people.active_leads(session, mine).items():
        if [lead.id for lead in leads] == [user_id]:
            service = session.get(Service, service_id)
            found.append(LastLead(service, bool(service.referral_email)))
    return sorted(found, key=lambda item: item.service.name.lower())


def active_admins(session: Session) -> set[uuid.UUID]:
    return set(session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                            .where(UserRole.role == "admin", User.is_active)))


def lock_person(session: Session, person_id: uuid.UUID) -> User:
    """Begin the change's transaction and lock the person's row (and, on PostgreSQL, every admin's, so that two
    admins taking each other's admin role at once cannot leave none)."""
    begin_write(session)
    session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id)
                 .where(UserRole.role == "admin").order_by(User.id).with_for_update(of=User)).all()
    user = session.exec(select(User).where(User.id == person_id).with_for_update()
                        .execution_options(populate_existing=True)).first()
    if user is None:
        session.rollback()
        raise NotFound(str(person_id))
    return user


def refuse(session: Session, message: str):
    session.rollback()
    raise Refused(message)


def _families(count: int) -> str:
    return f"{count} famil{'y' if count == 1 else 'ies'}"


# --- changes ----------------------------------------------------------------------------------------------------

def set_roles(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID, roles: list[str]) -> tuple[set, set]:
    """Give the person exactly these roles; (given, taken). Taking the service_lead role also ends their service
    memberships, and taking the key_worker role the districts they take families from. Refused: no roles, an
    unknown one, taking away your own admin role or the last active admin's, and taking the key_worker role from
    someone who still has open families."""
    wanted = set(roles)
    if not wanted:
        raise Refused("Select at least one role")
    if wanted - set(ROLES):
        raise Refused("Select roles from the list")
    user = lock_person(session, person_id)
    current = roles_of(session, user.id)
    given, taken = wanted - current, current - wanted
    if "admin" in taken:
        if user.id == admin_id:
            refuse(session, "You cannot take away your own admin role. Ask another admin to do it.")
        if user.is_active and active_admins(session) <= {user.id}:
            refuse(session, "They are the only active admin. Give someone else the admin role first.")
    if "key_worker" in taken and (count := people.open_caseload(session, user.id)):
        refuse(session, f"Move their {_families(count)} first: deactivate their account, which asks who takes "
                         "each family, or keep the key worker role.")
    for role in sorted(given):
        session.add(UserRole(user_id=user.id, role=role))
    if taken:
        session.exec(delete(UserRole).where(UserRole.user_id == user.id, UserRole.role.in_(sorted(taken))))
    if "service_lead" in taken:
        session.exec(delete(ServiceMembership).where(ServiceMembership.user_id == user.id))
    if "key_worker" in taken:
        session.exec(delete(KeyWorkerArea).where(KeyWorkerArea.user_id == user.id))
    if given or taken:
        audit(session, admin_id, "roles_changed", "user", user.id, given=sorted(given), taken=sorted(taken))
    session.commit()
    return given, taken


def _ids(values: list[str], known: set[uuid.UUID], message: str) -> set[uuid.UUID]:
    try:
        chosen = {uuid.UUID(str(value)) for value in values or []}
    except ValueError:
        raise Refused(message) from None
    if chosen - known:
        raise Refused(message)
    return chosen


def set_services(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID, service_ids: list[str]) -> bool:
    """Make the person a member of exactly these services; with at least one, give them the service_lead role if
    they lacked it. True when the role was given."""
    return _set_links(session, admin_id, person_id, service_ids, Service.id, ServiceMembership,
                      ServiceMembership.service_id, "service_lead", "Select services from the list", "services_changed")


def set_districts(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID, district_ids: list[str]) -> bool:
    """The districts the person takes new families from; with at least one, give them the key_worker role if they
    lacked it. True when the role was given."""
    return _set_links(session, admin_id, person_id, district_ids, District.id, KeyWorkerArea,
                      KeyWorkerArea.district_id, "key_worker", "Select areas from the list", "districts_changed")


def _set_links(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID, raw_ids: list[str], known_column,
               link_model, link_column, role: str, message: str, action: str) -> bool:
    """Link the person to exactly these rows (services they lead, districts they take families from) through
    `link_model`; with at least one, give them `role` if they lacked it; audit what changed. True when the role
    was given."""
    chosen = _ids(raw_ids, set(session.exec(select(known_column))), message)
    user = lock_person(session, person_id)
    current = set(session.exec(select(link_column).where(link_model.user_id == user.id)))
    added, removed = chosen - current, current - chosen
    for linked_id in sorted(added):
        session.add(link_model(user_id=user.id, **{link_column.key: linked_id}))
    if removed:
        session.exec(delete(link_model).where(link_model.user_id == user.id, link_column.in_(sorted(removed))))
    gave_role = bool(chosen) and session.get(UserRole, (user.id, role)) is None
    if gave_role:
        session.add(UserRole(user_id=user.id, role=role))
    if added or removed or gave_role:
        audit(session, admin_id, action, "user", user.id, added=sorted(map(str, added)),
              removed=sorted(map(str, removed)), **({"given": [role]} if gave_role else {}))
    session.commit()
    return gave_role


def set_caseload_limit(session: Session, admin_id: uuid.UUID, person_id: uuid.UUID, limit: int | None) -> None:
    """How many open families the key worker may be given (None: the site's default)."""
    if limit is not None and not 0 <= limit <= MAX_CASELOAD:
        raise Refused(f"Enter a number from 0 to {MAX_CASELOAD}")
    user = lock_person(session, person_id)
    if user.caseload_limit != limit:
        user.caseload_limit = limit
        audit(session, admin_id, "caseload_limit_changed", "user", user.id, fields=["caseload_limit"])
    session.commit()
