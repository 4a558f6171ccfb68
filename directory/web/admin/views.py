"""Admin views."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from directory import accounts, people
from directory.audit import record
from directory.auth import roles_required
from directory.db import get_session
from directory.web.admin import bp
from directory.web.admin.forms import InviteForm


@bp.route("/invite", methods=["GET", "POST"])
@roles_required("admin")
def invite():
    session = get_session()
    form = InviteForm()
    form.districts.choices = [SelectChoice(str(d.id), d.name) for d in people.list_districts(session)]
    form.services.choices = [SelectChoice(str(s.id), s.name) for s in people.list_services(session)]
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                session, form.email.data, form.name.data, form.roles.data,
                lambda token: url_for("account.accept_invitation", token=token, _external=True),
            )
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            people.set_work(session, user, form.districts.data, form.services.data)
            record(session, current_user.id, "invite", "user", user.id, roles=sorted(form.roles.data))
            session.commit()
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("admin.invite"))
    return render_template("admin/invite.html", form=form)
