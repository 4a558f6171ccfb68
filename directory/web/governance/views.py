"""Information governance views: find a family (searched by POST, so no name or reference is in a URL), give a
reason, then read or download everything held about that family. Each search and each export is audited by
directory/referrals/subject_access.py, which commits; these views never do."""

import json
import time
import uuid
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.models.families import SECTIONS
from directory.referrals import fields as family_fields
from directory.referrals import subject_access
from directory.web.governance import bp
from directory.web.governance.forms import ExportForm, FindFamilyForm
from directory.web.referrals.forms import CONSENT_GIVER_LABELS, CONSENT_METHOD_LABELS

ROLE = "information_governance"
# An export (its reason given and audited) may be read and downloaded for this long, in this browser session.
EXPORT_MINUTES = 30
GRANTS = "subject_access_exports"


def _record_or_404(record_id: uuid.UUID):
    record = subject_access.get_record(get_session(), record_id)
    if record is None:
        abort(404)
    return record


def _grant(record_id: uuid.UUID) -> None:
    now = time.time()
    grants = {key: until for key, until in (session.get(GRANTS) or {}).items() if until > now}
    grants[str(record_id)] = now + EXPORT_MINUTES * 60
    session[GRANTS] = grants


def _granted(record_id: uuid.UUID) -> bool:
    until = (session.get(GRANTS) or {}).get(str(record_id))
    return isinstance(until, int | float) and until > time.time()


@bp.route("/find-a-family", methods=["GET", "POST"])
@roles_required(ROLE)
def find_family():
    form = FindFamilyForm()
    if form.validate_on_submit():
        db = get_session()
        found = subject_access.search(
            db, current_user.id, form.reason.data, reference=form.reference.data or None,
            first_name=form.first_name.data, last_name=form.last_name.data, date_of_birth=form.date_of_birth.data)
        return render_template("governance/results.html", families=[subject_access.summary(db, r) for r in found],
                               by_reference=bool(form.reference.data))
    return render_template("governance/find-a-family.html", form=form)


@bp.route("/families/<uuid:record_id>/export", methods=["GET", "POST"])
@roles_required(ROLE)
def export(record_id: uuid.UUID):
    db = get_session()
    record = _record_or_404(record_id)
    form = ExportForm()
    if form.validate_on_submit():
        subject_access.export_for(db, current_user.id, record, form.reason.data)
        _grant(record.id)
        flash("The export and your reason are in the audit log.", "success")
        return redirect(url_for("governance.export_view", record_id=record.id))
    return render_template("governance/export.html", form=form, family=subject_access.summary(db, record))


@bp.get("/families/<uuid:record_id>/export/view")
@roles_required(ROLE)
def export_view(record_id: uuid.UUID):
    record = _record_or_404(record_id)
    if not _granted(record.id):
        return redirect(url_for("governance.export", record_id=record.id))
    return render_template("governance/export-view.html", data=subject_access.export(get_session(), record),
                           record_id=record.id, section_names=SECTIONS, section_titles=family_fields.SECTION_TITLES,
                           field_names=family_fields.FIELDS, givers=CONSENT_GIVER_LABELS,
                           methods=CONSENT_METHOD_LABELS, when=when, shown=shown, answers=answers)


@bp.get("/families/<uuid:record_id>/export/download")
@roles_required(ROLE)
def export_download(record_id: uuid.UUID):
    record = _record_or_404(record_id)
    if not _granted(record.id):
        return redirect(url_for("governance.export", record_id=record.id))
    body = json.dumps(subject_access.export(get_session(), record), indent=2, ensure_ascii=False)
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="subject-access-{record.reference}.json"',
        "Cache-Control": "no-store",
    })


def answers(section: str, stored: dict) -> list[tuple[str, object]]:
    """(label, value) for each stored answer: the record's fields in the record's order, then any other key."""
    known = [key.split(".", 1)[1] for key in family_fields.FIELDS if key.startswith(f"{section}.")]
    ordered = [key for key in known if key in stored] + sorted(key for key in stored if key not in known)
    return [(family_fields.FIELDS.get(f"{section}.{key}") or key.replace("_", " ").capitalize(), stored[key])
            for key in ordered]


def when(value: str | None) -> str:
    """An ISO date and time from the export as "14 May 2026, 10:32 UTC" (a date alone as "14 May 2026")."""
    if not value:
        return "Not recorded"
    moment = datetime.fromisoformat(value)
    if len(value) <= 10:
        return f"{moment.day} {moment:%B %Y}"
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"


def shown(value) -> str:
    """A stored answer as text: lists joined, other structures as JSON, nothing as "Not given"."""
    if value in (None, "", [], {}):
        return "Not given"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
