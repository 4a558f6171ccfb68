"""Directory admins: invite the people who use the service."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from directory.web.admin import views  # noqa: E402,F401
