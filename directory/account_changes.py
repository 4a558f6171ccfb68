"""Changes to accounts that the account and admin pages ask for: each one checks, writes its audit entry, queues
its email and commits once (or changes nothing), so the pages only show the outcome."""

import uuid

from sqlmodel import Session

from directory import account_links, accounts, people, signing_in, two_factor
from directory.account_links import LinkFor
from directory.audit import record
from directory.models import User
from directory.notify.queue import queue
from directory.throttle import Throttle


class AlreadyHasAccount(accounts.AccountError):
    """An invitation to an address that already has an account: the admin changes that person instead."""

    def __init__(self, user: User):
        super().__init__(f"There is already an account for {user.email}: change their roles and services on "
                         "their page")
        self.user_id = user.id


def may_email(session: Session, throttle: Throttle, address: str) -> bool:
    """Count one email to this address; False (and audited) when it has had too many this hour."""
    if throttle.blocked("email", address):
        record(session, None, "email_throttled", "user", None)
        return False
    throttle.hit("email", address)
    return True


def request_account(session: Session, throttle: Throttle, email: str, name: str, link_for: LinkFor,
                    sign_in_link: str, reset_link: str) -> None:
    """A family asks for an account (see account_links.register_family). Raises AccountError, changing nothing,
    for an address that is not valid."""
    try:
        if may_email(session, throttle, email):
            account_links.register_family(session, email, name, link_for, sign_in_link, reset_link)
            record(session, None, "create_account_requested", "user", None)
    except accounts.AccountError:
        session.rollback()
        raise
    session.commit()


def request_reset(session: Session, throttle: Throttle, email: str, link_for: LinkFor) -> None:
    """Email a reset link if the account exists (the page says the same either way)."""
    if may_email(session, throttle, email) and account_links.send_password_reset(session, email, link_for):
        user = accounts.get_user_by_email(session, email)
        record(session, user.id, "reset_requested", "user", user.id)
    session.commit()


def set_password_with_link(session: Session, token: str, purpose: str, password: str) -> User | None:
    """Spend the emailed link and set the password (committed); None, changing nothing, if the link is not valid."""
    user = account_links.use_to_set_password(session, token, purpose, password)
    if user is None:
        session.rollback()
        return None
    record(session, user.id, "set_password", "user", user.id, link=purpose)
    session.commit()
    return user


def change_password(session: Session, throttle: Throttle, user: User, current: str, new: str) -> str | None:
    """Change a signed-in person's password (signing out their other sessions, and telling them by email); the
    message to show when the current password is refused, else None."""
    if throttle.blocked("sign_in", user.email):
        return signing_in.TOO_MANY_SIGN_INS
    if accounts.authenticate(session, user.email, current) is None:
        throttle.hit("sign_in", user.email)
        record(session, user.id, "change_password_failed", "user", user.id)
        session.commit()
        return "Your current password is not right"
    accounts.set_password(user, new)
    record(session, user.id, "change_password", "user", user.id)
    queue(session, user.email, "password_changed")
    session.commit()
    return None


def invite(session: Session, admin_id: uuid.UUID, email: str, name: str, roles: list[str], district_ids: list[str],
           service_ids: list[str], link_for: LinkFor) -> User:
    """An admin invites someone (with the areas or services they work in). Raises AccountError (AlreadyHasAccount
    when the address has an account), changing nothing."""
    try:
        if existing := accounts.get_user_by_email(session, accounts.normalise_email(email)):
            raise AlreadyHasAccount(existing)
        user = account_links.invite_user(session, email, name, roles, link_for)
    except accounts.AccountError:
        session.rollback()
        raise
    people.set_work(session, user, district_ids, service_ids)
    record(session, admin_id, "invite", "user", user.id, roles=sorted(roles))
    session.commit()
    return user


def reset_second_factor(session: Session, admin_id: uuid.UUID, person: User, reason: str) -> None:
    """An admin turns off someone's second factor, with the reason, and they are signed out everywhere and told."""
    two_factor.turn_off(session, person)
    record(session, admin_id, "second_factor_reset", "user", person.id, reason=reason)
    queue(session, person.email, "second_factor_reset")
    session.commit()


def set_work_phone(session: Session, user: User, phone: str) -> None:
    """A member of staff's work phone number (already checked and written one way), shown to the families they
    work with."""
    user = session.get(User, user.id)
    user.work_phone = phone
    record(session, user.id, "work_phone_changed", "user", user.id)
    session.commit()
