"""Views for inviting a family to see its own record, the emailed link an existing account follows, and what the
family's record page shows of what each service received."""

import uuid

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from directory.auth import roles_required, signed_in
from directory.db import get_session
from directory.links import site_url
from directory.referrals import invitations, readable
from directory.throttle import get_throttle
from directory.web.referrals import bp


class InviteFamilyForm(FlaskForm):
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class JoinRecordForm(FlaskForm):
    submit = SubmitField("Add the record to my account", widget=GovSubmitInput())


@bp.app_template_global("as_received")
def as_received(service_referral) -> list[tuple[str, str | list[str]]]:
    """(field name, value in words) for each field a service received, as it was sent, for the family's page."""
    if "readable_names" not in g:
        g.readable_names = readable.names(get_session())
    return readable.rows(service_referral.sent_snapshot, service_referral.shared_fields, g.readable_names)


def _invitation_link(record_id: uuid.UUID):
    """A new account's link: choose a password, then straight to the record."""
    return lambda token: site_url("account.accept_invitation", token=token,
                                  next=url_for("referrals.record", record_id=record_id))


def _join_link(token: str) -> str:
    return site_url("referrals.join_record", token=token)


@bp.route("/families/<uuid:record_id>/invite-family", methods=["GET", "POST"])
@roles_required("key_worker")
def invite_family(record_id: uuid.UUID):
    db = get_session()
    form = InviteFamilyForm()
    if form.validate_on_submit():
        sent = invitations.invite_family(db, current_user.user, current_user.roles, record_id,
                                         _invitation_link(record_id), _join_link, get_throttle())
        if sent is None:
            abort(404)
        if sent:
            return redirect(url_for("referrals.invitation_sent", record_id=record_id))
    family = invitations.record_to_invite(db, current_user.id, current_user.roles, record_id)
    if family is None:
        abort(404)
    return render_template("referrals/invite-family.html", form=form, family=family,
                           address=invitations.address_of(db, family))


@bp.get("/families/<uuid:record_id>/invitation-sent")
@roles_required("key_worker")
def invitation_sent(record_id: uuid.UUID):
    db = get_session()
    family = invitations.record_to_invite(db, current_user.id, current_user.roles, record_id)
    if family is None:
        abort(404)
    return render_template("referrals/invitation-sent.html", family=family,
                           address=invitations.address_of(db, family))


@bp.route("/families/join/<token>", methods=["GET", "POST"])
@signed_in
def join_record(token: str):
    db = get_session()
    link = invitations.read_join_link(db, token)
    if link is None:
        return render_template("referrals/invitation-expired.html"), 410
    if link.user.id != current_user.id:
        return render_template("referrals/invitation-other-account.html"), 403
    form = JoinRecordForm()
    if form.validate_on_submit():
        family = invitations.join(db, token, current_user.id)
        if family is None:
            return render_template("referrals/invitation-expired.html"), 410
        flash("The family record has been added to your account.", "success")
        return redirect(url_for("referrals.record", record_id=family.id))
    return render_template("referrals/join-record.html", form=form)
