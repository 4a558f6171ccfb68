"""Service leads keep their own listings true: "Your services", the fields published at once, "Still correct"."""

from datetime import date

from flask import Blueprint

from directory.listings.freshness import is_out_of_date
from directory.listings.quick_edits import today_in_england

bp = Blueprint("listings", __name__, url_prefix="/your-services")


@bp.app_template_filter("out_of_date")
def out_of_date(assured: date | None) -> bool:
    """Last checked more than 6 months ago (the public page and the lead's pages say so)."""
    return is_out_of_date(assured, today_in_england())


from directory.web.listings import eligibility, problem_reports, sections, views  # noqa: E402,F401
