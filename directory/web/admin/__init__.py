"""Directory admins: invite the people who use the service."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from directory.web.admin import (  # noqa: E402,F401
    audit_log,
    change_requests,
    key_worker_queue,
    overdue,
    people_pages,
    problem_reports,
    reports,
    thesaurus,
    views,
)
