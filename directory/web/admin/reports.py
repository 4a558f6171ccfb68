"""Admins and information governance read reports: the list, one report with its filters (GET), and each section's
table as a CSV file with the same filters. Thin: directory.reports.catalogue builds (and audits what needs it)."""

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from directory import people
from directory.auth import roles_required
from directory.data.taxonomy import list_terms
from directory.db import get_session
from directory.models.accounts import utcnow
from directory.models.taxonomy import CATEGORIES
from directory.reports import catalogue
from directory.reports.cells import table_csv
from directory.web.admin import bp
from directory.web.admin.report_forms import FIELDS, ReportFilterForm
from directory.web.downloads import csv_download
from directory.working_days import local_date

READERS = ("admin", "information_governance")


def _today() -> date:
    return local_date(utcnow())


def _entry(slug: str) -> catalogue.Entry:
    entry = catalogue.get(slug)
    if entry is None:
        abort(404)
    return entry


def _form(entry: catalogue.Entry) -> ReportFilterForm:
    session = get_session()
    form = ReportFilterForm(request.args)
    form.setup(entry.uses, people.list_districts(session), list_terms(session, CATEGORIES), _today())
    return form


def _kept(entry: catalogue.Entry) -> dict[str, list[str]]:
    """The filters in this request's address that the report reads, for the download links."""
    names = [name for use in entry.uses for name in FIELDS[use]]
    return {name: request.args.getlist(name) for name in names
            if any(value.strip() for value in request.args.getlist(name))}


@bp.get("/reports")
@roles_required(*READERS)
def reports():
    return render_template("admin/reports.html", entries=list(catalogue.REPORTS.values()))


@bp.get("/reports/<slug>")
@roles_required(*READERS)
def report(slug: str):
    entry = _entry(slug)
    form = _form(entry)
    found = None
    if form.validate():
        found = catalogue.run(get_session(), entry, form.filters(), _today(), current_user.id)
    kept = _kept(entry)
    downloads = {section.slug: url_for("admin.report_csv", slug=slug, section=section.slug, **kept)
                 for section in (found.sections if found else [])}
    return render_template("admin/report.html", entry=entry, form=form, report=found, downloads=downloads,
                           described=form.described() if found else "")


@bp.get("/reports/<slug>/<section>.csv")
@roles_required(*READERS)
def report_csv(slug: str, section: str):
    entry = _entry(slug)
    form = _form(entry)
    if not form.validate():
        return redirect(url_for("admin.report", slug=slug, **_kept(entry)))
    found = catalogue.run(get_session(), entry, form.filters(), _today(), current_user.id, section=section)
    chosen = next((item for item in found.sections if item.slug == section), None)
    if chosen is None:
        abort(404)
    return csv_download(f"{slug}-{section}-{_today():%Y-%m-%d}.csv", table_csv(chosen.table))
