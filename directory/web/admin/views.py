"""Admin views: invite people and reset a second factor (the people pages are in people_pages)."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from directory import account_changes, accounts, people, two_factor
from directory.auth import roles_required
from directory.db import get_session
from directory.links import site_url
from directory.models import User
from directory.web.admin import bp
from directory.web.admin.forms import InviteForm, ResetSecondFactorForm


@bp.route("/invite", methods=["GET", "POST"])
@roles_required("admin")
def invite():
    session = get_session()
    form = InviteForm()
    existing = None  # the person who already has the address: the page links to theirs
    form.districts.choices = [SelectChoice(str(d.id), d.name) for d in people.list_districts(session)]
    form.services.choices = [SelectChoice(str(s.id), s.name) for s in people.list_services(session)]
    if form.validate_on_submit():
        try:
            account_changes.invite(session, current_user.id, form.email.data, form.name.data, form.roles.data,
                                   form.districts.data, form.services.data,
                                   lambda token: site_url("account.accept_invitation", token=token))
        except account_changes.AlreadyHasAccount as error:
            form.email.errors.append(str(error))
            existing = error.user_id
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash("Invitation sent.", "success")
            return redirect(url_for("admin.invite"))
    return render_template("admin/invite.html", form=form, existing=existing)


@bp.route("/people/<uuid:user_id>/reset-second-factor", methods=["GET", "POST"])
@roles_required("admin")
def reset_second_factor(user_id: uuid.UUID):
    db = get_session()
    person = db.get(User, user_id)
    if person is None or not two_factor.is_on(person):
        abort(404)
    form = ResetSecondFactorForm()
    if form.validate_on_submit():
        account_changes.reset_second_factor(db, current_user.id, person, form.reason.data)
        flash("Their second factor has been reset and they have been signed out everywhere.", "success")
        return redirect(url_for("admin.person", person_id=person.id))
    return render_template("admin/reset-second-factor.html", form=form, person=person)
