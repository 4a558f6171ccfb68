"""The public waiting-times page: every active service's own published waiting time and when it was updated, by
type of help, as charts with tables of the same figures, and the same as a CSV file. No account needed."""

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from directory.csv_files import write_csv
from directory.data.taxonomy import list_terms
from directory.db import get_session
from directory.models.accounts import utcnow
from directory.models.taxonomy import CATEGORIES
from directory.reports import published_waits
from directory.reports.cells import cell_text, table_csv
from directory.reports.model import Filters
from directory.web.downloads import csv_download
from directory.web.public import bp
from directory.working_days import local_date


class WaitingTimesForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField("Type of help", widget=GovSelect(), default="",
                           invalid_choice_message="Select a type of help from the list")
    submit = SubmitField("Show waiting times", widget=GovSubmitInput())


def _form():
    terms = list_terms(get_session(), CATEGORIES)
    form = WaitingTimesForm(request.args)
    form.category.choices = [SelectChoice("", "All types of help")] + [SelectChoice(t.code, t.name) for t in terms]
    chosen = next((term for term in terms if term.code == form.category.data), None)
    return form, chosen


@bp.get("/waiting-times")
def waiting_times():
    form, chosen = _form()
    valid = form.validate()
    report = published_waits.build(get_session(), Filters(category_id=chosen.id if valid and chosen else None),
                                   local_date(utcnow()))
    downloads = {section.slug: url_for("public.waiting_times_csv", category=section.slug)
                 for section in report.sections}
    return render_template("public/waiting-times.html", form=form, report=report, chosen=chosen if valid else None,
                           downloads=downloads, download_all=url_for("public.waiting_times_csv"))


@bp.get("/waiting-times.csv")
def waiting_times_csv():
    form, chosen = _form()
    if not form.validate():
        return redirect(url_for("public.waiting_times", **request.args))
    today = local_date(utcnow())
    report = published_waits.build(get_session(), Filters(category_id=chosen.id if chosen else None), today)
    if chosen:
        if not report.sections:
            abort(404)
        return csv_download(f"waiting-times-{chosen.code}-{today:%Y-%m-%d}.csv", table_csv(report.sections[0].table))
    header, rows = published_waits.csv_rows(report)
    return csv_download(f"waiting-times-{today:%Y-%m-%d}.csv",
                        write_csv(header, ([cell_text(cell) for cell in row] for row in rows)))
