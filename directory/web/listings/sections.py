"""A lead's section edit pages: each section of their listing (eligibility has its own editor) becomes a change
request that an admin approves; nothing is public until then."""

import re
import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import change_requests, writer
from directory.listings.writer import ListingError
from directory.web.listings import bp
from directory.web.listings.section_forms import FORMS, ROW_FIELDS, ROWS

SENT = "Sent for approval: your change is not public until an admin approves it."


def _problem(text: str) -> tuple[str | None, str]:
    """A writer's problem as (the field it is about, the words to show)."""
    found = re.search(r'field "([a-z_]+)[^"]*": (.*)$', text)
    return (found.group(1), found.group(2)) if found else (None, text)


def _keep_extra_rows(changes: dict, entry: dict) -> dict:
    """The forms show the first ROWS phones, contacts and costs: any beyond those (from an import) are kept."""
    for key in ("phones", "contacts", "costs"):
        extra = (entry.get(key) or [])[ROWS:]
        if key in changes and extra:
            changes[key] = [*(changes[key] or []), *extra]
    return changes


@bp.route("/<uuid:service_id>/edit/<section>", methods=["GET", "POST"])
@roles_required("service_lead")
def edit_section(service_id: uuid.UUID, section: str):
    session = get_session()
    if section == "eligibility":
        return redirect(url_for("listings.edit_eligibility", service_id=service_id))
    part = change_requests.section_of(section)
    form_class = FORMS.get(section)
    if part is None or form_class is None:
        abort(404)
    if not change_requests.is_lead(session, current_user.id, {"service_lead"}, service_id):
        abort(404)
    entry = writer.service_entry(session, service_id)
    if entry is None:
        abort(404)
    choices = change_requests.choices(session) if section == "who_for" else {}
    if section == "locations":
        choices = {"locations": change_requests.location_choices(session, service_id)}
    form = form_class()
    if hasattr(form, "set_choices"):
        form.set_choices(choices)
    if not form.is_submitted():
        form.load(entry, choices)
    elif form.validate_on_submit():
        try:
            change_requests.request_change(session, current_user.id, {"service_lead"}, service_id, section,
                                           _keep_extra_rows(form.changes(), entry))
        except change_requests.NotAllowed:
            abort(404)
        except ListingError as error:
            first = next(field for field in form if field.name != "csrf_token")
            for problem in error.problems:
                name, words = _problem(problem)
                field = (getattr(form, name, None) or getattr(form, f"{name}_1", None) if name else None) or first
                field.errors = [*field.errors, words]
        else:
            flash(SENT, "success")
            return redirect(url_for("listings.service", service_id=service_id))
    return render_template("listings/edit-section.html", section=part, form=form, entry=entry, rows=ROWS,
                           row_fields=ROW_FIELDS.get(section), service_id=service_id,
                           pending=change_requests.pending_for(session, service_id))


@bp.app_template_global("pending_change_requests")
def pending_change_requests(service_id: uuid.UUID) -> list:
    """The service's change requests waiting for an admin (for listings/_sections.html)."""
    return change_requests.pending_for(get_session(), service_id)
