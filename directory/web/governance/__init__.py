"""Information governance: find a family's record and export everything held about it (subject access)."""

from flask import Blueprint

bp = Blueprint("governance", __name__, url_prefix="/governance")

from directory.web.governance import views  # noqa: E402,F401
