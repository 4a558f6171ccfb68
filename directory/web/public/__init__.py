"""Public pages for families and anyone else: no account needed."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from directory.web.public import check_page, problem_reports, search_page, views, waiting_times  # noqa: E402,F401
