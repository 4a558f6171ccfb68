"""The Open Referral UK 3.0 API under /api: read-only JSON, open to every origin, errors as JSON, no session."""

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api")

from directory.api import errors, guards, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the blueprint. Called after the site's error pages are set up (JSON errors wrap them)."""
    app.register_blueprint(bp)
    # Nothing here changes anything, and no page of it takes a form: no CSRF token is ever needed.
    if "csrf" in app.extensions:
        app.extensions["csrf"].exempt(bp)
    errors.init_app(app)
    guards.init_app(app)
