"""Signing in: Flask-Login wiring, sessions that end (idle, absolute, password change), the second-factor gate,
and the permission decorators every non-public view uses."""

import time
import uuid
from functools import wraps

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from directory import sessions
from directory.accounts import is_staff, user_roles
from directory.db import get_session
from directory.models import User
from directory.two_factor import is_on

# Where a signed-in person who must still set up a second factor may go.
SETUP_ENDPOINTS = {"account.two_factor_setup", "account.sign_out", "static"}


class SignedInUser:
    """What Flask-Login holds for the request: the account and its roles."""

    def __init__(self, user: User, roles: set[str]):
        self.user = user
        self.roles = roles
        self.id = user.id
        self.is_authenticated = True
        self.is_active = user.is_active
        self.is_anonymous = False

    def get_id(self) -> str:
        # The session version makes every session end when the password (or second factor) changes.
        return f"{self.user.id}:{self.user.session_version}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def _load_user(value: str):
    try:
        user_id, version = value.split(":")
        user = get_session().get(User, uuid.UUID(user_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return SignedInUser(user, user_roles(get_session(), user))


def sign_in(user: User) -> None:
    """Start a signed-in session under a new id, so an id known before signing in is worth nothing after."""
    sessions.regenerate(current_app, session)
    session.pop("pending_sign_in", None)
    login_user(SignedInUser(user, user_roles(get_session(), user)))
    session["signed_in_at"] = time.time()
    session["needs_two_factor_setup"] = (current_app.config["STAFF_TWO_FACTOR_REQUIRED"]
                                         and is_staff(user_roles(get_session(), user)) and not is_on(user))


def sign_out() -> None:
    """End the session: the stored session is deleted, so a copy of the cookie stops working."""
    logout_user()
    session.clear()
    sessions.regenerate(current_app, session)


def roles_required(*roles: str):
    """Signed in (else to the sign-in page) with one of these roles (else 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def signed_in(view):
    """Any signed-in user; object-level checks happen in the view's data layer call."""
    wrapped = login_required(view)
    wrapped.required_roles = ()
    return wrapped


def init_app(app: Flask) -> None:
    login_manager = LoginManager()
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "account.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @app.before_request
    def _session_limits():
        if "_user_id" not in session:
            return None
        started = session.get("signed_in_at")
        limit = app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
        if not isinstance(started, int | float) or time.time() - started > limit:
            sign_out()
            return None
        if session.get("needs_two_factor_setup") and request.endpoint not in SETUP_ENDPOINTS:
            return redirect(url_for("account.two_factor_setup"))
        return None
