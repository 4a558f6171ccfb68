"""Signing in: Flask-Login wiring, idle timeout, and the permission decorators every non-public view uses."""

import uuid
from functools import wraps

from flask import Flask, abort, session
from flask_login import LoginManager, current_user, login_required

from directory.accounts import user_roles
from directory.db import get_session
from directory.models import User

login_manager = LoginManager()


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
        # The session version makes every session end when the password changes.
        return f"{self.user.id}:{self.user.session_version}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@login_manager.user_loader
def _load_user(value: str):
    try:
        user_id, version = value.split(":")
        user = get_session().get(User, uuid.UUID(user_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return SignedInUser(user, user_roles(get_session(), user))


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
    login_manager.init_app(app)
    login_manager.login_view = "account.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @app.before_request
    def _idle_timeout():
        # Permanent sessions are refreshed on each request: 30 idle minutes end them.
        session.permanent = True
