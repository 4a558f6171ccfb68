"""Admins and information governance read the audit log: a filter form, a page of entries at a time, and the
matching entries as a CSV file. Thin: directory.audit_reader reads, audits each read and commits.

The filters (an email address, a family's reference) are personal, so they never go in an address: the form is
posted, kept in the server-side session, and the pages and the download read them from there."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from directory import audit_reader
from directory.auth import roles_required
from directory.csv_files import write_csv
from directory.db import get_session
from directory.models.accounts import utcnow
from directory.web import kept_filters
from directory.web.admin import bp
from directory.web.downloads import csv_download
from directory.web.referrals.forms import UKDateField
from directory.web.validators import at_most, strip
from directory.working_days import local_date

READERS = ("admin", "information_governance")
BAD_PAGE = "The page number in the link is not a page number, so the first page is shown."


class AuditLogForm(FlaskForm):
    class Meta:
        csrf = False

    person = StringField("Person", widget=GovTextInput(), filters=[strip], validators=[at_most(320, "Person")],
                         description="Their email address, or part of their name")
    family_record = StringField("Family reference", widget=GovTextInput(), filters=[strip],
                                validators=[at_most(40, "Family reference")], description="For example, FAM-ABCD-2345")
    referral = StringField("Referral reference", widget=GovTextInput(), filters=[strip],
                           validators=[at_most(40, "Referral reference")], description="For example, REF-ABCD-2345")
    action = SelectField("Action", widget=GovSelect(), default="")
    date_from = UKDateField("Date from", missing="Enter the date from", description="For example, 27 3 2026")
    date_to = UKDateField("Date to", missing="Enter the date to", description="For example, 27 3 2026")
    submit = SubmitField("Search the audit log", widget=GovSubmitInput())

    def filters(self) -> audit_reader.Filters:
        return audit_reader.Filters(person=self.person.data or "", family_record=self.family_record.data or "",
                                    referral=self.referral.data or "", action=self.action.data or "",
                                    date_from=self.date_from.data, date_to=self.date_to.data)


FILTER_KEYS = ("person", "family_record", "referral", "action", "date_from", "date_to")
SESSION_KEY = "audit_log_filters"


def _form() -> AuditLogForm:
    form = AuditLogForm(kept_filters.kept(SESSION_KEY, FILTER_KEYS))
    form.action.choices = [SelectChoice("", "Any action")] + [
        SelectChoice(action, action.replace("_", " ").capitalize()) for action in audit_reader.actions(get_session())]
    return form


def _checked(form: AuditLogForm) -> bool:
    """The form's own checks, with GOV.UK wording for an action that is not in the log."""
    valid = form.validate()
    if form.action.errors:
        form.action.errors[:] = ["Select an action from the list"]
    return valid


def _pagination(found: audit_reader.Page) -> dict | None:
    if found.pages <= 1:
        return None
    current, last = found.page, found.pages

    def link(number: int) -> str:
        return url_for("admin.audit_log", page=number)

    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == current})
        previous = number
    return {"previous": {"href": link(current - 1)} if 1 < current <= last else None,
            "next": {"href": link(current + 1)} if current < last else None,
            "items": items}


@bp.route("/audit-log", methods=["GET", "POST"])
@roles_required(*READERS)
def audit_log():
    if request.method == "POST":
        kept_filters.keep(SESSION_KEY, request.form, FILTER_KEYS)
        return redirect(url_for("admin.audit_log"))
    form = _form()
    page = audit_reader.page_number(request.args.get("page"))
    problems = [] if page is not None else [BAD_PAGE]
    found = None
    if _checked(form):
        try:
            found = audit_reader.search(get_session(), current_user.id, form.filters(), page or 1)
        except audit_reader.FilterError as error:
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
    return render_template("admin/audit-log.html", form=form, found=found, problems=problems,
                           pagination=_pagination(found) if found else None,
                           download=url_for("admin.audit_log_csv"), first_page=url_for("admin.audit_log"),
                           uk_time=audit_reader.uk_time, export_limit=audit_reader.EXPORT_LIMIT)


@bp.get("/audit-log.csv")
@roles_required(*READERS)
def audit_log_csv():
    form = _form()
    if not _checked(form):
        return redirect(url_for("admin.audit_log"))
    try:
        found = audit_reader.export(get_session(), current_user.id, form.filters())
    except audit_reader.FilterError:
        return redirect(url_for("admin.audit_log"))
    name = f"audit-log-{local_date(utcnow()):%Y-%m-%d}"
    if found.capped:
        name += f"-newest-{audit_reader.EXPORT_LIMIT}"
    return csv_download(f"{name}.csv", write_csv(audit_reader.CSV_HEADER, audit_reader.csv_rows(found.rows)))


@bp.post("/audit-log/clear")
@roles_required(*READERS)
def audit_log_clear():
    kept_filters.forget(SESSION_KEY)
    return redirect(url_for("admin.audit_log"))
