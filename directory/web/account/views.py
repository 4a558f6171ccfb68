"""Account views: thin; the accounts module does the work."""

from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from directory import accounts, families, people
from directory.audit import record
from directory.auth import SignedInUser, signed_in
from directory.db import get_session
from directory.web.account import bp
from directory.web.account.forms import CreateAccountForm, NewPasswordForm, ResetRequestForm, SignInForm


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so a link cannot send someone elsewhere after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("account.home")


def _sign_in(user) -> None:
    session = get_session()
    login_user(SignedInUser(user, accounts.user_roles(session, user)))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.authenticate(session, form.email.data, form.password.data)
        if user is None:
            form.email.errors.append("Enter a correct email address and password")
        else:
            record(session, user.id, "sign_in", "user", user.id)
            session.commit()
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("account/sign-in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("public.start"))


@bp.route("/create-account", methods=["GET", "POST"])
def create_account():
    form = CreateAccountForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user = accounts.create_user(session, form.email.data, form.name.data, ["family"], form.password.data)
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            record(session, user.id, "create", "user", user.id)
            session.commit()
            _sign_in(user)
            flash("Your account has been created.", "success")
            return redirect(url_for("account.home"))
    return render_template("account/create-account.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        session = get_session()
        accounts.send_password_reset(
            session, form.email.data,
            lambda token: url_for("account.choose_password", token=token, _external=True),
        )
        session.commit()
        return render_template("account/reset-sent.html", email=form.email.data)
    return render_template("account/reset-password.html", form=form)


PASSWORD_PAGES = {
    "reset_password": ("Choose a new password", "Choose a new password for your account."),
    "invitation": ("Set up your account", "Choose a password to finish setting up your account."),
}


def _set_password_with(token: str, purpose: str):
    session = get_session()
    if accounts.user_for_token(session, token, purpose) is None:
        return render_template("account/link-expired.html", purpose=purpose), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.use_token(session, token, purpose, form.password.data)
        record(session, user.id, "set_password", "user", user.id)
        session.commit()
        _sign_in(user)
        flash("Your password has been saved.", "success")
        return redirect(url_for("account.home"))
    title, intro = PASSWORD_PAGES[purpose]
    return render_template("account/set-password.html", form=form, title=title, intro=intro)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    return _set_password_with(token, "reset_password")


@bp.route("/accept-invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_with(token, "invitation")


@bp.get("/your-account")
@signed_in
def home():
    session = get_session()
    received = []
    if current_user.has_role("service_lead"):
        received = families.referrals_to_services(session, people.member_services(session, current_user.id))
    return render_template("account/home.html", user=current_user.user, roles=sorted(current_user.roles),
                           received=received)
