"""The record's end: its key worker closes and reopens it; the family or key worker withdraws consent for one
service. Thin views over directory.referrals.closing, which checks and commits."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired

from directory.auth import roles_required
from directory.db import get_session
from directory.models.referrals import OPEN_STATUSES
from directory.referrals import access, closing, lifecycle, sent
from directory.web.referrals import bp
from directory.web.validators import at_most, strip


def _reason(label: str, missing: str, hint: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), filters=[strip], description=hint,
                         validators=[DataRequired(missing), at_most(closing.MAX_REASON, "The reason")])


class CloseRecordForm(FlaskForm):
    reason = _reason("Why are you closing the record?", "Enter why you are closing the record",
                     "The family and the services whose referrals are withdrawn will see this.")
    submit = SubmitField("Close the record", widget=GovSubmitInput())


class ReopenRecordForm(FlaskForm):
    reason = _reason("Why are you reopening the record?", "Enter why you are reopening the record",
                     "The family will see this.")
    submit = SubmitField("Reopen the record", widget=GovSubmitInput())


class WithdrawConsentForm(FlaskForm):
    reason = _reason("Why is consent being withdrawn?", "Enter why consent is being withdrawn",
                     "The family and their key worker will see this. The service will not.")
    submit = SubmitField("Withdraw consent", widget=GovSubmitInput())


def _key_workers_record(record_id: uuid.UUID, page: str):
    """The record for its key worker (the page view audited on GET); 404 for anyone who may not see it, and back
    to the record with a message for someone who may see it but is not its key worker."""
    db = get_session()
    if request.method == "GET":
        family = access.open_record(db, current_user.id, current_user.roles, record_id, page=page)
    else:
        family = access.get_record(db, current_user.id, current_user.roles, record_id)
    if family is None:
        abort(404)
    return db, family


@bp.route("/families/<uuid:record_id>/close", methods=["GET", "POST"])
@roles_required("key_worker")
def close_record(record_id: uuid.UUID):
    db, family = _key_workers_record(record_id, "close record")
    record_page = url_for("referrals.record", record_id=family.id)
    if not closing.is_key_worker(family, current_user.id, current_user.roles):
        flash("Only the family's key worker can close their record.", "error")
        return redirect(record_page)
    if family.closed_at is not None:
        flash("This family's record is already closed.", "error")
        return redirect(record_page)
    form = CloseRecordForm()
    if form.validate_on_submit():
        try:
            withdrawn = closing.close_record(db, current_user.id, current_user.roles, family.id, form.reason.data)
        except lifecycle.Refused as error:
            flash(str(error), "error")
            return redirect(record_page)
        if withdrawn is None:
            abort(404)
        told = (f" {len(withdrawn)} open referral{'' if len(withdrawn) == 1 else 's'} withdrawn, and "
                f"{'the service has' if len(withdrawn) == 1 else 'each service has'} been told." if withdrawn else "")
        flash(f"Record closed.{told}", "success")
        return redirect(record_page)
    return render_template("referrals/close-record.html", form=form, family=family,
                           open_referrals=closing.open_referrals(db, family))


@bp.route("/families/<uuid:record_id>/reopen", methods=["GET", "POST"])
@roles_required("key_worker")
def reopen_record(record_id: uuid.UUID):
    db, family = _key_workers_record(record_id, "reopen record")
    record_page = url_for("referrals.record", record_id=family.id)
    if not closing.is_key_worker(family, current_user.id, current_user.roles):
        flash("Only the family's key worker can reopen their record.", "error")
        return redirect(record_page)
    if family.closed_at is None or family.anonymised_at is not None:
        flash("This family's record is open." if family.closed_at is None else
              "This family's record has been anonymised, so it cannot be reopened.", "error")
        return redirect(record_page)
    form = ReopenRecordForm()
    if form.validate_on_submit():
        try:
            done = closing.reopen_record(db, current_user.id, current_user.roles, family.id, form.reason.data)
        except lifecycle.Refused as error:
            flash(str(error), "error")
            return redirect(record_page)
        if done is None:
            abort(404)
        flash("Record reopened.", "success")
        return redirect(record_page)
    return render_template("referrals/reopen-record.html", form=form, family=family)


@bp.route("/service-referrals/<uuid:service_referral_id>/withdraw-consent", methods=["GET", "POST"])
@roles_required("key_worker", "family")
def withdraw_consent(service_referral_id: uuid.UUID):
    db = get_session()
    view = sent.open_service_referral(db, current_user.id, current_user.roles, service_referral_id)
    part = lifecycle.part_of(db, current_user.id, current_user.roles, view.service_referral) if view else None
    if part is None or part.who not in ("key_worker", "family"):
        abort(404)
    row = view.service_referral
    page = url_for("referrals.service_referral", service_referral_id=row.id)
    if row.consent_withdrawn_at is not None:
        flash("Consent for this referral has already been withdrawn.", "error")
        return redirect(page)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            done = closing.withdraw_consent(db, current_user.id, current_user.roles, row.id, form.reason.data)
        except lifecycle.Refused as error:
            flash(str(error), "error")
            return redirect(page)
        if done is None:
            abort(404)
        flash(f"Consent withdrawn. {view.service.name} can no longer see the family's information, and the "
              "referral is withdrawn.", "success")
        return redirect(page)
    return render_template("referrals/withdraw-consent.html", form=form, view=view, part=part,
                           is_open=row.status in OPEN_STATUSES)
