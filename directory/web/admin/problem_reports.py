"""Problem reports the public sent about service pages: the admins' queue of every open report, and marking one
resolved. Thin: directory.listings.problem_reports reads, audits and commits."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import problem_reports as reports
from directory.web.admin import bp


class ResolveForm(FlaskForm):
    submit = SubmitField("Mark as resolved", widget=GovSubmitInput())


def resolve_and_redirect(report_id: uuid.UUID, back: str):
    """Shared by the admins' and the leads' queues: 404 for a report this person may not act on."""
    form = ResolveForm()
    if not form.validate_on_submit():
        flash("The report was not changed. Try again.", "error")
        return redirect(back)
    try:
        done = reports.resolve(get_session(), current_user.id, current_user.roles, report_id)
    except reports.ReportNotFound:
        abort(404)
    if done:
        flash("Report marked as resolved.", "success")
    else:
        flash("Someone had already marked that report as resolved.", "success")
    return redirect(back)


@bp.get("/problem-reports")
@roles_required("admin")
def problem_reports():
    items = reports.open_reports(get_session())
    return render_template("admin/problem-reports.html", items=items, form=ResolveForm(formdata=None),
                           resolve_endpoint="admin.resolve_problem_report")


@bp.post("/problem-reports/<uuid:report_id>/resolve")
@roles_required("admin")
def resolve_problem_report(report_id: uuid.UUID):
    return resolve_and_redirect(report_id, url_for("admin.problem_reports"))
