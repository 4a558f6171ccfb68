"""Emailed links: create a family account, reset a password, accept an invitation, confirm an address. The pages
say the same whether or not an account exists; emails are throttled per address."""

from flask import flash, redirect, render_template, request, url_for

from directory import account_changes, account_links, accounts
from directory.db import get_session
from directory.links import site_url
from directory.throttle import get_throttle
from directory.web.account import bp
from directory.web.account.forms import CreateAccountForm, NewPasswordForm, ResetRequestForm
from directory.web.account.views import finish_password_step

PASSWORD_PAGES = {
    "reset_password": ("Choose a new password", "Choose a new password for your account."),
    "invitation": ("Set up your account", "Choose a password to finish setting up your account."),
    "confirm_email": ("Choose a password", "Your email address is confirmed. Choose a password to finish "
                                           "creating your account."),
}
LINK_ENDPOINTS = {"reset_password": "account.choose_password", "invitation": "account.accept_invitation",
                  "confirm_email": "account.confirm_email"}


def _link_for(purpose: str):
    return lambda token: site_url(LINK_ENDPOINTS[purpose], token=token)


@bp.route("/create-account", methods=["GET", "POST"])
def create_account():
    form = CreateAccountForm()
    if form.validate_on_submit():
        try:
            account_changes.request_account(get_session(), get_throttle(), form.email.data, form.name.data,
                                            _link_for("confirm_email"), site_url("account.sign_in"),
                                            site_url("account.reset_password"))
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            return redirect(url_for("account.check_email", sent="account"))
    return render_template("account/create-account.html", form=form)


@bp.get("/check-your-email")
def check_email():
    kind = "reset" if request.args.get("sent") == "reset" else "account"
    return render_template("account/check-email.html", kind=kind)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        account_changes.request_reset(get_session(), get_throttle(), form.email.data, _link_for("reset_password"))
        return redirect(url_for("account.check_email", sent="reset"))
    return render_template("account/reset-password.html", form=form)


def _set_password_with(token: str, purpose: str):
    db = get_session()
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = account_changes.set_password_with_link(db, token, purpose, form.password.data)
        if user is None:
            return render_template("account/link-expired.html", purpose=purpose), 410
        flash("Your password has been saved.", "success")
        # An invitation may say where to go next (a family's record); only a path on this site is followed.
        return finish_password_step(user, request.args.get("next"))
    if account_links.user_for(db, token, purpose) is None:
        return render_template("account/link-expired.html", purpose=purpose), 410
    title, intro = PASSWORD_PAGES[purpose]
    return render_template("account/set-password.html", form=form, title=title, intro=intro)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    return _set_password_with(token, "reset_password")


@bp.route("/accept-invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_with(token, "invitation")


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    return _set_password_with(token, "confirm_email")
