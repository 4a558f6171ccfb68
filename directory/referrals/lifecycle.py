"""A service referral's life after sending: the one state machine, who may make each change, and what a change
writes. Each change is one transaction: the new status under the next version (optimistic locking), a timeline
event, an audit entry and the emails to whoever must act, all committed together or not at all."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from directory import people
from directory.audit import record as audit
from directory.db import begin_write
from directory.models import (
    FamilyAccess,
    FamilyRecord,
    Referral,
    ReferralEvent,
    Service,
    ServiceMembership,
    ServiceReferral,
    User,
)
from directory.models.accounts import utcnow
from directory.models.referrals import OPEN_STATUSES
from directory.notify.queue import queue
from directory.referrals.words import CLOSE_OUTCOMES, DECLINE_REASONS, STATUS_NAMES

SERVICE, FAMILY_SIDE = "service", "family_side"
MAX_TEXT = 2000
MAX_WAIT_WEEKS = 260


@dataclass(frozen=True)
class Action:
    name: str
    by: str  # SERVICE (its leads, or the key worker recording the answer of a service that does not reply here)
    from_statuses: tuple[str, ...]
    to_status: str | None  # None: the status stays (an event only)
    title: str  # what the form's heading says
    done: str  # what the confirmation says happened


ACTIONS: dict[str, Action] = {action.name: action for action in (
    Action("acknowledge", SERVICE, ("sent",), "acknowledged", "Acknowledge the referral",
           "Referral acknowledged"),
    Action("ask", SERVICE, ("sent", "acknowledged"), "information_requested", "Ask a question",
           "Question sent"),
    Action("accept", SERVICE, ("sent", "acknowledged"), "accepted", "Accept the referral", "Referral accepted"),
    Action("wait_list", SERVICE, ("sent", "acknowledged", "accepted", "waiting_list"), "waiting_list",
           "Put on the waiting list", "Put on the waiting list"),
    Action("offer_appointment", SERVICE,
           ("sent", "acknowledged", "accepted", "waiting_list", "appointment_offered"), "appointment_offered",
           "Offer an appointment", "Appointment offered"),
    Action("close", SERVICE, ("accepted", "waiting_list", "appointment_offered"), "closed",
           "Close the referral", "Referral closed"),
    Action("decline", SERVICE, OPEN_STATUSES, "declined", "Decline the referral", "Referral declined"),
    Action("answer", FAMILY_SIDE, ("information_requested",), "acknowledged", "Answer the question",
           "Answer sent"),
    Action("withdraw", FAMILY_SIDE, OPEN_STATUSES, "withdrawn", "Withdraw the referral", "Referral withdrawn"),
    Action("accept_appointment", FAMILY_SIDE, ("appointment_offered",), None, "Accept the appointment",
           "Appointment accepted"),
    Action("ask_to_rearrange", FAMILY_SIDE, ("appointment_offered",), None, "Ask to rearrange the appointment",
           "Request to rearrange sent"),
)}

# What the email to the family and key worker says happened (never the child, a condition or the service).
NEWS = {
    "acknowledge": "The service has received a referral and is looking at it.",
    "ask": "The service has asked a question about a referral. It needs an answer before they can go on.",
    "accept": "A referral has been accepted.",
    "wait_list": "A referral has been put on the service's waiting list.",
    "offer_appointment": "The service has offered an appointment.",
    "close": "A referral has been closed.",
    "decline": "The service cannot take a referral. Your key worker can send it to another service.",
    "answer": "The family or key worker has answered your question about a referral.",
    "withdraw": "A referral has been withdrawn. Please do not act on it.",
    "accept_appointment": "The family has accepted the appointment you offered.",
    "ask_to_rearrange": "The family has asked to rearrange the appointment you offered.",
}

FAMILY_NEWS_FOR_KEY_WORKER = {
    "answer": "A family has answered a service's question about a referral.",
    "withdraw": "A family has withdrawn a referral.",
    "accept_appointment": "A family has accepted an appointment.",
    "ask_to_rearrange": "A family has asked a service to rearrange an appointment.",
}


class Refused(ValueError):
    """A change that cannot be made; the message is fit to show and nothing was written."""


class Changed(Refused):
    """Someone else changed the referral since the page was loaded; nothing was written."""

    def __init__(self):
        super().__init__("This referral has changed since you opened it. Check its status below, then try again "
                         "if you still need to.")


@dataclass
class Part:
    """The part a person plays in one service referral."""

    who: str  # "service", "key_worker" or "family"
    record: FamilyRecord
    service_referral: ServiceReferral

    def may(self, action: Action) -> bool:
        if action.by == SERVICE:
            return self.who == "service" or (self.who == "key_worker" and not self.service_referral.replies_here)
        return self.who in ("key_worker", "family")


def is_lead(session: Session, user_id: uuid.UUID, roles: set[str], service_id: uuid.UUID) -> bool:
    return "service_lead" in roles and session.get(ServiceMembership, (user_id, service_id)) is not None


def part_of(session: Session, user_id: uuid.UUID, roles: set[str], row: ServiceReferral) -> Part | None:
    """The person's part in this referral: the record's key worker, its family, or a lead of the service; None
    when they have none (and may not see it)."""
    record = session.get(FamilyRecord, row.record_id)
    if "key_worker" in roles and user_id in (record.key_worker_id, record.created_by_id):
        return Part("key_worker", record, row)
    if "family" in roles and session.get(FamilyAccess, (record.id, user_id)) is not None:
        return Part("family", record, row)
    if is_lead(session, user_id, roles, row.service_id):
        return Part("service", record, row)
    return None


def allowed(part: Part) -> list[Action]:
    """The actions this person may take on the referral now."""
    if part.record.closed_at is not None:
        return []
    return [a for a in ACTIONS.values() if part.service_referral.status in a.from_statuses and part.may(a)]


def act(session: Session, user_id: uuid.UUID, roles: set[str], service_referral_id: uuid.UUID, action_name: str,
        version: int, **values) -> ServiceReferral | None:
    """Make one change and commit it; None when the person may not see the referral. Raises Refused (an
    impossible change, or a missing answer) or Changed (someone acted first), having written nothing."""
    begin_write(session)
    row = session.get(ServiceReferral, service_referral_id)
    part = part_of(session, user_id, roles, row) if row is not None else None
    if part is None:
        session.rollback()
        return None
    try:
        action = ACTIONS.get(action_name)
        if action is None:
            raise Refused("That is not a change that can be made to a referral.")
        if row.version != version:
            raise Changed()
        check(part, action)
        detail = _detail(action, values)
        changes = _changes(row, action, detail)
        if part.who == "key_worker" and action.by == SERVICE:
            detail["recorded_by_key_worker"] = True
        _apply(session, row, version, changes)
        write_event(session, part.record.id, row.id, user_id, "service" if action.by == SERVICE else part.who,
                    action.name, action.to_status, detail)
        audit(session, user_id, f"referral_{action.name}", "service_referral", row.id, record_id=part.record.id,
              status=changes.get("status", row.status))
        notify(session, row, part, action, user_id)
        session.commit()
    except BaseException:
        # Nothing of a change that could not be made stays in the session: no status without its event and
        # emails, no email without its change.
        session.rollback()
        raise
    session.refresh(row)
    return row


def check(part: Part, action: Action) -> None:
    row = part.service_referral
    if part.record.closed_at is not None:
        raise Refused("This family's record is closed. Reopen it to make changes.")
    if not part.may(action):
        if action.by == SERVICE:
            raise Refused("Only the service can do that." if row.replies_here else
                          "Only the service or the family's key worker can do that.")
        raise Refused("Only the family or their key worker can do that.")
    if row.status not in action.from_statuses:
        raise Refused(f"This referral is {STATUS_NAMES[row.status].lower()}, so you cannot "
                      f"{action.title[0].lower() + action.title[1:]} now.")


def _text(values: dict, name: str, required: bool, message: str) -> str | None:
    value = (values.get(name) or "").strip()
    if required and not value:
        raise Refused(message)
    if len(value) > MAX_TEXT:
        raise Refused(f"Enter {MAX_TEXT} characters or fewer")
    return value or None


def _detail(action: Action, values: dict) -> dict:
    """What the event keeps, checked: each action's required answers, with a message for each one missing."""
    name, detail = action.name, {}
    if name == "ask":
        detail["text"] = _text(values, "text", True, "Enter your question")
    elif name == "answer":
        detail["text"] = _text(values, "text", True, "Enter your answer")
    elif name == "wait_list":
        weeks = values.get("weeks")
        if type(weeks) is not int or not 0 <= weeks <= MAX_WAIT_WEEKS:  # not a bool, a float or a string
            raise Refused(f"Enter how many weeks the wait is expected to be, from 0 to {MAX_WAIT_WEEKS}")
        detail["weeks"] = weeks
        detail["text"] = _text(values, "text", False, "")
    elif name == "offer_appointment":
        at = values.get("at")
        if not isinstance(at, datetime):
            raise Refused("Enter the date and time of the appointment")
        video = bool(values.get("video"))
        place = _text(values, "place", not video, "Enter where the appointment is, or choose a video call")
        detail.update(at=at.isoformat(), place=place, video=video, text=_text(values, "text", False, ""))
    elif name in ("close", "decline"):
        codes = CLOSE_OUTCOMES if name == "close" else DECLINE_REASONS
        code = values.get("reason")
        if code not in codes:
            raise Refused("Select the outcome" if name == "close" else "Select why the referral is declined")
        detail["reason"] = code
        detail["text"] = _text(values, "text", code == "other", "Enter the reason")
    elif name == "withdraw":
        detail["text"] = _text(values, "text", True, "Enter why the referral is being withdrawn")
    elif name == "ask_to_rearrange":
        detail["text"] = _text(values, "text", True, "Enter what would suit you better")
    else:
        detail["text"] = _text(values, "text", False, "")
    return {key: value for key, value in detail.items() if value is not None}


def _changes(row: ServiceReferral, action: Action, detail: dict) -> dict:
    now, changes = utcnow(), {}
    if action.to_status is not None:
        changes.update(status=action.to_status, status_changed_at=now)
    if action.by == SERVICE and row.first_response_at is None:
        changes["first_response_at"] = now
    if action.name == "wait_list":
        changes["wait_weeks"] = detail["weeks"]
    elif action.name == "offer_appointment":
        changes["appointment"] = {key: detail.get(key) for key in ("at", "place", "video")}
    elif action.name in ("close", "decline"):
        changes["outcome"] = detail["reason"]
    elif action.name == "withdraw":
        changes["outcome"] = "withdrawn"
    return changes


def _apply(session: Session, row: ServiceReferral, version: int, changes: dict) -> None:
    """Write the changes only if the row is still at `version`: of two people acting at once, one wins."""
    result = session.execute(update(ServiceReferral)
                             .where(ServiceReferral.id == row.id, ServiceReferral.version == version)
                             .values(version=version + 1, **changes))
    if result.rowcount != 1:
        raise Changed()
    session.expire(row)


def write_event(session: Session, record_id: uuid.UUID, service_referral_id: uuid.UUID | None,
                actor_id: uuid.UUID | None, actor: str, kind: str, status: str | None = None,
                detail: dict | None = None) -> ReferralEvent:
    event = ReferralEvent(record_id=record_id, service_referral_id=service_referral_id, actor_id=actor_id,
                          actor=actor, kind=kind, status=status, detail=detail or {})
    session.add(event)
    return event


def withdraw_open(session: Session, user_id: uuid.UUID | None, actor: str, row: ServiceReferral, reason: str,
                  text: str | None = None) -> bool:
    """Withdraw one open referral inside the caller's transaction (closing a record, consent withdrawn), with its
    event, audit entry and the email to the service; False if it was no longer open."""
    if row.status not in OPEN_STATUSES:
        return False
    _apply(session, row, row.version, {"status": "withdrawn", "status_changed_at": utcnow(), "outcome": reason})
    write_event(session, row.record_id, row.id, user_id, actor, "withdraw", "withdrawn",
                {"reason": reason, **({"text": text} if text else {})})
    audit(session, user_id, "referral_withdraw", "service_referral", row.id, record_id=row.record_id,
          status="withdrawn", reason_code=reason)
    tell_service(session, row, NEWS["withdraw"])
    return True


# --- who is told ---------------------------------------------------------------------------------------------

def link(row: ServiceReferral) -> str:
    return f"/service-referrals/{row.id}"


def reference_of(session: Session, row: ServiceReferral) -> str:
    return session.get(Referral, row.referral_id).reference


def service_leads(session: Session, service_id: uuid.UUID) -> list[User]:
    """The service's active leads (directory.people.active_leads, the one definition)."""
    return people.active_leads(session, [service_id]).get(service_id, [])


def family_members(session: Session, record_id: uuid.UUID) -> list[User]:
    return list(session.exec(select(User).join(FamilyAccess, FamilyAccess.user_id == User.id)
                             .where(FamilyAccess.record_id == record_id, User.is_active).order_by(User.email)))


def tell_service(session: Session, row: ServiceReferral, what: str, template: str = "referral_update",
                 dedupe: str | None = None) -> None:
    """Email the service's leads, or its referral address when it does not reply here."""
    reference = reference_of(session, row)
    if row.replies_here:
        addresses = [lead.email for lead in service_leads(session, row.service_id)]
    else:
        service = session.get(Service, row.service_id)
        addresses = [service.referral_email] if service.referral_email else []
    for address in addresses:
        message = queue(session, address, template, what=what, reference=reference, link=link(row))
        if dedupe:
            message.dedupe_key = f"{dedupe}:{address}"


def tell_family_side(session: Session, row: ServiceReferral, record: FamilyRecord, what: str,
                     skip: uuid.UUID | None = None, template: str = "referral_update") -> None:
    """Email the record's key worker and family members (but not `skip`, who made the change)."""
    reference = reference_of(session, row)
    people = family_members(session, record.id)
    if record.key_worker_id is not None:
        people.insert(0, session.get(User, record.key_worker_id))
    for person in people:
        if person.id != skip and person.is_active:
            queue(session, person.email, template, what=what, reference=reference, link=link(row))


def notify(session: Session, row: ServiceReferral, part: Part, action: Action, user_id: uuid.UUID) -> None:
    """A service's change goes to the key worker and family; the family side's goes to the service, and a
    family's to their key worker too. Nobody is emailed about their own change."""
    if action.by == SERVICE:
        tell_family_side(session, row, part.record, NEWS[action.name], skip=user_id)
        return
    tell_service(session, row, NEWS[action.name])
    if part.who == "family" and part.record.key_worker_id is not None:
        key_worker = session.get(User, part.record.key_worker_id)
        queue(session, key_worker.email, "referral_update", what=FAMILY_NEWS_FOR_KEY_WORKER[action.name],
              reference=reference_of(session, row), link=link(row))
