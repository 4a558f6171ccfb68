"""A service lead's queue of the problems the public reported about their own services' pages, and marking one
resolved. Thin: directory.listings.problem_reports reads, checks the lead belongs to the service, audits and
commits."""

import uuid

from flask import render_template, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import problem_reports as reports
from directory.web.admin.problem_reports import ResolveForm, resolve_and_redirect
from directory.web.listings import bp


@bp.get("/problem-reports")
@roles_required("service_lead")
def problem_reports():
    items = reports.lead_reports(get_session(), current_user.id)
    return render_template("listings/problem-reports.html", items=items, form=ResolveForm(formdata=None),
                           resolve_endpoint="listings.resolve_problem_report")


@bp.post("/problem-reports/<uuid:report_id>/resolve")
@roles_required("service_lead")
def resolve_problem_report(report_id: uuid.UUID):
    return resolve_and_redirect(report_id, url_for("listings.problem_reports"))
