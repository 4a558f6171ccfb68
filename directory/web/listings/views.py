"""A service lead's own services: what needs attention, the fields published at once, and "Still correct"."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import quick_edits, writer
from directory.listings.writer import ListingError
from directory.referrals.words import STATUS_NAMES
from directory.web.listings import bp
from directory.web.listings.forms import (
    AcceptingForm,
    ReferralEmailForm,
    ResponseTargetForm,
    StillCorrectForm,
    WaitingTimeForm,
)

PUBLIC_NOW = "Families can see the change now."


def _service(service_id: uuid.UUID):
    """The service, if the signed-in lead belongs to it; 404 for any other (so ids are not confirmed)."""
    try:
        return quick_edits.lead_service(get_session(), current_user.id, service_id)
    except quick_edits.NotYourService:
        abort(404)


@bp.get("")
@roles_required("service_lead")
def your_services():
    return render_template("listings/your-services.html", status_names=STATUS_NAMES,
                           summaries=quick_edits.your_services(get_session(), current_user.id))


@bp.get("/<uuid:service_id>")
@roles_required("service_lead")
def service(service_id: uuid.UUID):
    service = _service(service_id)
    entry = writer.service_entry(get_session(), service_id)
    return render_template("listings/service.html", service=service, entry=entry, form=StillCorrectForm())


def _edit(service_id, form, field, template, publish, message):
    """One small form (its one question is `field`): on a valid post, publish through the operation and go back
    to the service's page; a value the writer refuses is shown on the question."""
    service = _service(service_id)
    if form.validate_on_submit():
        try:
            publish(service)
        except ListingError as error:
            field.errors = [*field.errors, *error.problems]
        else:
            flash(message, "success")
            return redirect(url_for("listings.service", service_id=service_id))
    return render_template(template, service=service, form=form)


@bp.route("/<uuid:service_id>/waiting-time", methods=["GET", "POST"])
@roles_required("service_lead")
def waiting_time(service_id: uuid.UUID):
    form = WaitingTimeForm()
    if not form.is_submitted():
        form.weeks.data = _service(service_id).wait_weeks
    return _edit(service_id, form, form.weeks, "listings/waiting-time.html",
                 lambda s: quick_edits.set_waiting_time(get_session(), current_user.id, s.id, form.weeks.data),
                 f"Waiting time published. {PUBLIC_NOW}")


@bp.route("/<uuid:service_id>/accepting", methods=["GET", "POST"])
@roles_required("service_lead")
def accepting(service_id: uuid.UUID):
    form = AcceptingForm()
    if not form.is_submitted():
        form.accepting.data = "yes" if _service(service_id).accepting_referrals else "no"
    return _edit(service_id, form, form.accepting, "listings/accepting.html",
                 lambda s: quick_edits.set_accepting(get_session(), current_user.id, s.id,
                                                     form.accepting.data == "yes"),
                 f"Taking new referrals published. {PUBLIC_NOW}")


@bp.route("/<uuid:service_id>/response-target", methods=["GET", "POST"])
@roles_required("service_lead")
def response_target(service_id: uuid.UUID):
    form = ResponseTargetForm()
    if not form.is_submitted():
        form.days.data = _service(service_id).response_target_days
    return _edit(service_id, form, form.days, "listings/response-target.html",
                 lambda s: quick_edits.set_response_target(get_session(), current_user.id, s.id, form.days.data),
                 "Response target published. It applies to referrals from now on.")


@bp.route("/<uuid:service_id>/referral-email", methods=["GET", "POST"])
@roles_required("service_lead")
def referral_email(service_id: uuid.UUID):
    form = ReferralEmailForm()
    if not form.is_submitted():
        form.email.data = _service(service_id).referral_email
    return _edit(service_id, form, form.email, "listings/referral-email.html",
                 lambda s: quick_edits.set_referral_email(get_session(), current_user.id, s.id, form.email.data),
                 "Referral email address saved. Referrals are emailed there from now on.")


@bp.post("/<uuid:service_id>/still-correct")
@roles_required("service_lead")
def still_correct(service_id: uuid.UUID):
    service = _service(service_id)
    form = StillCorrectForm()
    if not form.validate_on_submit():
        abort(400)
    quick_edits.confirm(get_session(), current_user.id, service.id)
    flash(f"Thank you. {service.name} is marked as checked today. {PUBLIC_NOW}", "success")
    return redirect(url_for("listings.service", service_id=service_id))
