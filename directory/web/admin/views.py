"""Admin views: invite people, see who uses the service, reset a second factor."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select
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
    form.districts.choices = [SelectChoice(str(d.id), d.name) for d in people.list_districts(session)]
    form.services.choices = [SelectChoice(str(s.id), s.name) for s in people.list_services(session)]
    if form.validate_on_submit():
        try:
            account_changes.invite(session, current_user.id, form.email.data, form.name.data, form.roles.data,
                                   form.districts.data, form.services.data,
                                   lambda token: site_url("account.accept_invitation", token=token))
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash("Invitation sent.", "success")
            return redirect(url_for("admin.invite"))
    return render_template("admin/invite.html", form=form)


@bp.get("/people")
@roles_required("admin")
def people_list():
    db = get_session()
    users = db.exec(select(User).order_by(User.name)).all()
    return render_template("admin/people.html", users=users, roles={u.id: accounts.user_roles(db, u) for u in users},
                           two_factor_on={u.id: two_factor.is_on(u) for u in users})


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
        return redirect(url_for("admin.people_list"))
    return render_template("admin/reset-second-factor.html", form=form, person=person)
