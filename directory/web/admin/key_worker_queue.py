"""Admins: the families waiting for a key worker (reference, district and time waiting only: admins see no family
records) and assigning one. Thin: directory.allocation reads, audits and commits."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from directory import allocation
from directory.auth import roles_required
from directory.db import get_session
from directory.web.admin import bp


class AssignKeyWorkerForm(FlaskForm):
    key_worker = RadioField("Choose a key worker", widget=GovRadioInput(),
                            validators=[InputRequired("Select a key worker")],
                            invalid_choice_message="Select a key worker from the list")
    submit = SubmitField("Assign key worker", widget=GovSubmitInput())


def _label(candidate: allocation.Candidate, district) -> str:
    families = f"{candidate.open_families} open famil{'y' if candidate.open_families == 1 else 'ies'}"
    where = f", covers {district.name}" if candidate.covers_district and district else ""
    return f"{candidate.user.name}{where} ({families})"


@bp.get("/waiting-for-key-worker")
@roles_required("admin")
def waiting_for_key_worker():
    waiting = allocation.waiting_list(get_session(), current_user.id)
    return render_template("admin/waiting-for-key-worker.html", waiting=waiting)


@bp.route("/waiting-for-key-worker/<uuid:record_id>", methods=["GET", "POST"])
@roles_required("admin")
def assign_key_worker(record_id: uuid.UUID):
    db = get_session()
    item = allocation.waiting_record(db, current_user.id, record_id)
    if item is None:
        abort(404)
    form = AssignKeyWorkerForm()
    found = allocation.candidates(db, item.district)
    form.key_worker.choices = [SelectChoice(str(c.user.id), _label(c, item.district)) for c in found]
    if form.validate_on_submit():
        try:
            worker = allocation.assign_key_worker(db, current_user.id, record_id, uuid.UUID(form.key_worker.data))
        except allocation.Refused as error:
            form.key_worker.errors.append(str(error))
        else:
            if worker is None:
                flash(f"{item.reference} already has a key worker.", "error")
            else:
                flash(f"{worker.name} is now the key worker for {item.reference}. They and the family have been "
                      "emailed.", "success")
            return redirect(url_for("admin.waiting_for_key_worker"))
    return render_template("admin/assign-key-worker.html", form=form, item=item, has_candidates=bool(found))
