"""One page per service referral, for everyone who may see it (the service's leads, the key worker, the family),
and one form page per change they may make to it (directory.referrals.lifecycle)."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth import signed_in
from directory.db import get_session
from directory.referrals import fields as family_fields
from directory.referrals import inbox, lifecycle, sent, timeline, words
from directory.web.referrals import bp
from directory.web.referrals.action_forms import FORMS
from directory.web.referrals.forms import CONSENT_GIVER_LABELS, CONSENT_METHOD_LABELS
from directory.web.referrals.rerouting import where_for

# The service sees its referral page; the key worker and the family see the status page.
TEMPLATES = {"service": "referrals/service-referral.html", "key_worker": "referrals/referral-status.html",
             "family": "referrals/referral-status.html"}


def _opened(service_referral_id: uuid.UUID):
    """The referral as this person may see it (audited), with their part in it; 404 when they may not."""
    db = get_session()
    view = sent.open_service_referral(db, current_user.id, current_user.roles, service_referral_id)
    part = lifecycle.part_of(db, current_user.id, current_user.roles, view.service_referral) if view else None
    if part is None:
        abort(404)
    return db, view, part


@bp.get("/service-referrals/<uuid:service_referral_id>")
@signed_in
def service_referral(service_referral_id: uuid.UUID):
    db, view, part = _opened(service_referral_id)
    entries = timeline.entries(db, view.service_referral, part.who)
    return render_template(
        TEMPLATES[part.who], view=view, part=part, actions=lifecycle.allowed(part),
        timeline=entries, field_names=family_fields.FIELDS,
        givers=CONSENT_GIVER_LABELS, methods=CONSENT_METHOD_LABELS, status_names=words.STATUS_NAMES,
        status_tags=words.STATUS_TAGS, where=where_for(db, view, part, entries),
        lead=inbox.lead_page(db, view, part),
    )


@bp.route("/service-referrals/<uuid:service_referral_id>/<action>", methods=["GET", "POST"])
@signed_in
def referral_action(service_referral_id: uuid.UUID, action: str):
    """The form for one change; posting it makes the change, or says why it cannot be made."""
    if action not in FORMS:
        abort(404)
    db, view, part = _opened(service_referral_id)
    row, change = view.service_referral, lifecycle.ACTIONS[action]
    page = url_for("referrals.service_referral", service_referral_id=row.id)
    if change not in lifecycle.allowed(part):
        flash(_cannot(part, change), "error")
        return redirect(page)
    form = FORMS[action]()
    if not form.is_submitted():
        form.version.data = str(row.version)
    elif form.validate_on_submit():
        try:
            done = lifecycle.act(db, current_user.id, current_user.roles, row.id, action, form.version_number(),
                                 **form.values())
        except lifecycle.Refused as error:
            flash(str(error), "error")
            return redirect(page)
        if done is None:
            abort(404)
        flash(f"{change.done}.", "success")
        return redirect(page)
    return render_template("referrals/action.html", view=view, part=part, action=change, form=form)


def _cannot(part: lifecycle.Part, change: lifecycle.Action) -> str:
    try:
        lifecycle.check(part, change)
    except lifecycle.Refused as error:
        return str(error)
    return "That change cannot be made to this referral now."
