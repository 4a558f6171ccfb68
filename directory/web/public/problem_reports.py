"""Report something wrong on a service's page: a short public form, throttled per client address. Thin:
directory.listings.problem_reports stores the report, emails the service's leads and the admins, and commits."""

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional

from directory.data import services as service_data
from directory.db import get_session
from directory.listings import problem_reports
from directory.throttle import get_throttle
from directory.web.public import bp
from directory.web.validators import EMAIL_FORMAT, at_most, strip

TOO_MANY = "You have sent too many reports in the last hour. Wait an hour, then try again"


class ProblemReportForm(FlaskForm):
    what = TextAreaField(
        "What is wrong on this page?", widget=GovCharacterCount(), filters=[strip],
        description="For example, a phone number that does not work, or a service that has closed. Do not include "
                    "a child's name or any details about a child.",
        validators=[DataRequired("Enter what is wrong on this page"),
                    at_most(problem_reports.WHAT_LIMIT, "What is wrong")])
    email = StringField(
        "Email address (optional)", widget=GovTextInput(), filters=[strip],
        description="If you would like a reply. We delete it after 90 days.",
        validators=[Optional(), at_most(problem_reports.EMAIL_LIMIT, "Email address"), Email(EMAIL_FORMAT)])
    submit = SubmitField("Send report", widget=GovSubmitInput())


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.route("/services/<slug>/report-a-problem", methods=["GET", "POST"])
def report_problem(slug: str):
    session = get_session()
    page = service_data.get_service_page(session, slug)
    if page is None:
        abort(404)
    form = ProblemReportForm()
    if form.validate_on_submit():
        throttle = get_throttle()
        if throttle.blocked("problem_report", _client()):
            form.what.errors.append(TOO_MANY)
            return render_template("public/report-a-problem.html", form=form, service=page.service), 429
        problem_reports.report(session, page.service.id, form.what.data, form.email.data,
                               lead_link=url_for("listings.problem_reports"),
                               admin_link=url_for("admin.problem_reports"))
        throttle.hit("problem_report", _client())
        return redirect(url_for("public.problem_reported", slug=slug))
    return render_template("public/report-a-problem.html", form=form, service=page.service)


@bp.get("/services/<slug>/report-a-problem/sent")
def problem_reported(slug: str):
    page = service_data.get_service_page(get_session(), slug)
    if page is None:
        abort(404)
    return render_template("public/problem-reported.html", service=page.service)
