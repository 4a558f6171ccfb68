"""Staff set the work phone number shown to the families they work with."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from directory import account_changes
from directory.auth import roles_required
from directory.db import get_session
from directory.web.account import bp
from directory.web.account.forms import WorkPhoneForm

STAFF = ("key_worker", "service_lead", "admin")


@bp.route("/your-account/work-phone", methods=["GET", "POST"])
@roles_required(*STAFF)
def work_phone():
    form = WorkPhoneForm()
    if not form.is_submitted():
        form.phone.data = current_user.user.work_phone
    elif form.validate_on_submit():
        account_changes.set_work_phone(get_session(), current_user.user, form.phone.data)
        flash(f"Your work phone number is now {form.phone.data}.", "success")
        return redirect(url_for("account.home"))
    return render_template("account/work-phone.html", form=form)
