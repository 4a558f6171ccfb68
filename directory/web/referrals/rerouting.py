"""Send the record on in one step: a declined referral re-routed by the key worker to an alternative, or a
"while you wait" service referred by the key worker or the family, each with its consent on the same page."""

import re
import uuid
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from directory.auth import signed_in
from directory.db import get_session
from directory.models import Service
from directory.referrals import alternatives, channels, lifecycle, sent, status_page, submit, words
from directory.referrals import fields as family_fields
from directory.web.referrals import bp
from directory.web.referrals.forms import consent_form

IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{32}")
ENDPOINTS_LATER = ("referrals.withdraw_consent", "referrals.close_record", "referrals.reopen_record")


@bp.app_context_processor
def _referral_words() -> dict:
    """For the record pages: the status words, and whether an endpoint exists (built alongside this one)."""
    return {"referral_words": words, "has_endpoint": lambda name: name in current_app.view_functions}


def _sender() -> str:
    return channels.sender_role(current_user.roles)


def _routed(db, record):
    """The record routed for the person looking (None when it cannot be routed)."""
    from directory.web.referrals.views import _route  # the services page's own routing, with its fallbacks

    try:
        return _route(db, record)[1]
    except ValueError:
        return None


def where_for(db, view, part: lifecycle.Part, entries) -> status_page.StatusPage | None:
    """What the key worker's and the family's page says about the referral; None for a service lead."""
    if part.who == "service":
        return None
    row = view.service_referral
    wanted = part.record.closed_at is None and (
        row.status == "waiting_list" or (row.status == "declined" and part.who == "key_worker"))
    results = _routed(db, part.record) if wanted else None
    return status_page.page(db, row, part.record, entries, _sender(), results, part.who)


def _opened(service_referral_id: uuid.UUID):
    db = get_session()
    view = sent.open_service_referral(db, current_user.id, current_user.roles, service_referral_id)
    part = lifecycle.part_of(db, current_user.id, current_user.roles, view.service_referral) if view else None
    if part is None or part.who == "service":
        abort(404)
    return db, view, part


def send_form(options: list[alternatives.Option] | None, can_skip_consent: bool):
    """The consent questions for one service (named _0, as on the consent page), the form's idempotency key and,
    when there is a choice to make, the service to send to."""
    base = consent_form(["chosen"], can_skip_consent)
    fields: dict = {"idempotency_key": HiddenField()}
    if options is not None:
        fields["service"] = RadioField(
            "Which service should the referral go to?", widget=GovRadioInput(),
            choices=[SelectChoice(str(o.service.id), o.service.name) for o in options],
            validators=[InputRequired("Select the service to send the referral to")],
            invalid_choice_message="Select the service to send the referral to")
    form = type("SendOnForm", (base,), fields)()
    form.submit.label.text = "Send the referral"
    if not form.is_submitted() or not IDEMPOTENCY_KEY.fullmatch(form.idempotency_key.data or ""):
        form.idempotency_key.data = uuid.uuid4().hex  # a fresh key per form; a doubled post finds its referral
    return form


def _choice(form, service_id: uuid.UUID) -> submit.Choice:
    reason = getattr(form, "reason_0", None)
    when = form.when_0.data
    if reason is not None and reason.data:
        return submit.Choice(service_id, without_consent_reason=reason.data)
    return submit.Choice(service_id, consent_given_by=form.given_by_0.data, consent_method=form.method_0.data,
                         consent_at=datetime(when.year, when.month, when.day, tzinfo=UTC) if when else None)


def _sent_before(db, part, form):
    """A doubled or retried post of a form that has already sent its referral goes to that referral."""
    if not form.is_submitted() or not IDEMPOTENCY_KEY.fullmatch(form.idempotency_key.data or ""):
        return None
    done = alternatives.already_sent(db, form.idempotency_key.data, part.record.id, current_user.id)
    if done is None:
        return None
    flash(f"Referral sent to {db.get(Service, done.service_id).name}.", "success")
    return redirect(url_for("referrals.service_referral", service_referral_id=done.id))


def _send(db, view, part, options, service_id: uuid.UUID, form, rerouted: bool):
    """Send, then go to the new referral's page; on a refusal, say why and show the page again."""
    try:
        referral = alternatives.send(db, current_user.user, current_user.roles, view.service_referral, options,
                                     service_id, _choice(form, service_id), form.idempotency_key.data,
                                     current_app.config["CASELOAD_LIMIT"], rerouted)
    except submit.ReferralError as error:
        flash([str(error), *error.link] if error.link else str(error), "error")
        return None
    except alternatives.RerouteError as error:
        flash(str(error), "error")
        return None
    new_row = alternatives.new_service_referral(db, referral)
    name = next(o.service.name for o in options if o.service.id == service_id)
    flash(f"Referral sent to {name}.", "success")
    return redirect(url_for("referrals.service_referral", service_referral_id=new_row.id))


@bp.route("/service-referrals/<uuid:service_referral_id>/reroute", methods=["GET", "POST"])
@signed_in
def reroute(service_referral_id: uuid.UUID):
    """A declined referral's alternatives, for its key worker; choosing one and recording consent sends it."""
    db, view, part = _opened(service_referral_id)
    row = view.service_referral
    page = url_for("referrals.service_referral", service_referral_id=row.id)
    if part.who != "key_worker":
        abort(404)
    if row.status != "declined" or part.record.closed_at is not None:
        flash("Only a declined referral can be sent to another service instead." if part.record.closed_at is None
              else "This family's record is closed. Reopen it to send referrals.", "error")
        return redirect(page)
    options = alternatives.for_declined(db, row, _sender(), _routed(db, part.record))
    choosable = [o for o in options if o.choosable]
    form = send_form(choosable, can_skip_consent=True)
    if (before := _sent_before(db, part, form)) is not None:
        return before
    if choosable and form.validate_on_submit():
        done = _send(db, view, part, options, uuid.UUID(form.service.data), form, rerouted=True)
        if done is not None:
            return done
    return render_template("referrals/reroute.html", view=view, part=part, form=form, options=options,
                           choosable=choosable, field_names=family_fields.FIELDS,
                           reason=words.DECLINE_REASONS.get(row.outcome or "", ""))


@bp.route("/service-referrals/<uuid:service_referral_id>/while-you-wait/<uuid:service_id>", methods=["GET", "POST"])
@signed_in
def while_you_wait(service_referral_id: uuid.UUID, service_id: uuid.UUID):
    """Refer to one "while you wait" service of a referral on a waiting list, with consent, in one step."""
    db, view, part = _opened(service_referral_id)
    row = view.service_referral
    page = url_for("referrals.service_referral", service_referral_id=row.id)
    if (before := _sent_before(db, part, send_form(None, False))) is not None:
        return before
    if row.status != "waiting_list" or part.record.closed_at is not None:
        flash("While-you-wait services are offered while a referral is on the waiting list.", "error")
        return redirect(page)
    options = alternatives.while_you_wait(db, row, _sender(), _routed(db, part.record))
    option = next((o for o in options if o.service.id == service_id), None)
    if option is None:
        abort(404)
    if not option.choosable:
        if option.open_referral is not None:
            error = submit.duplicate(option.service, option.open_referral, option.open_reference)
            flash([str(error), *error.link], "error")
        else:
            flash(submit.refusal(option.service, option.channel), "error")
        return redirect(page)
    form = send_form(None, can_skip_consent=part.who == "key_worker")
    if form.validate_on_submit():
        done = _send(db, view, part, options, service_id, form, rerouted=False)
        if done is not None:
            return done
    return render_template("referrals/while-you-wait.html", view=view, part=part, form=form, option=option,
                           field_names=family_fields.FIELDS)
