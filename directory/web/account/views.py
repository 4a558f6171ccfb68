"""Signing in and out, the account page and changing a password: thin; accounts, throttle and auth do the work."""

import time
import uuid
from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from directory import account_changes, auth, signing_in, two_factor
from directory.db import get_session
from directory.models import User
from directory.referrals import inbox
from directory.throttle import get_throttle
from directory.web.account import bp
from directory.web.account.forms import ChangePasswordForm, SignInForm

# How long someone has to enter their code after their password.
PENDING_SECONDS = 600


def safe_next(target: str | None) -> str:
    """Only a path on this site, so a link cannot send someone elsewhere after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlparse(target).netloc:
        return target
    return url_for("account.home")


def finish_password_step(user: User, next_page: str | None):
    """After a right password (or a password set through a link): the second factor if the person has one,
    else signed in."""
    if two_factor.is_on(user):
        session["pending_sign_in"] = {"user_id": str(user.id), "version": user.session_version,
                                      "at": time.time(), "next": safe_next(next_page)}
        return redirect(url_for("account.sign_in_code"))
    auth.sign_in(user)
    return redirect(safe_next(next_page))


def pending_user() -> User | None:
    """The person half way through signing in (password right, code still to come), if not too long ago."""
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    try:
        user = get_session().get(User, uuid.UUID(str(pending.get("user_id"))))
    except ValueError:
        return None
    if user is None or not user.is_active or user.session_version != pending.get("version"):
        return None
    return user


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        outcome = signing_in.password_step(get_session(), get_throttle(), form.email.data, form.password.data,
                                           request.remote_addr or "unknown")
        if outcome is signing_in.Refused.THROTTLED:
            form.email.errors.append(signing_in.TOO_MANY_SIGN_INS)
            return render_template("account/sign-in.html", form=form), 429
        if outcome is signing_in.Refused.WRONG:
            form.email.errors.append("Enter a correct email address and password")
        else:
            return finish_password_step(outcome, request.args.get("next"))
    return render_template("account/sign-in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        signing_in.signed_out(get_session(), current_user.id)
    auth.sign_out()
    flash("You have signed out.", "success")
    return redirect(url_for("public.start"))


@bp.get("/your-account")
@auth.signed_in
def home():
    db = get_session()
    # A lead's referrals in numbers only: the inbox names the children (and audits each one shown).
    inbox_summary = inbox.summary(db, current_user.id) if current_user.has_role("service_lead") else None
    return render_template("account/home.html", user=current_user.user, roles=sorted(current_user.roles),
                           inbox_summary=inbox_summary,
                           two_factor_on=two_factor.is_on(current_user.user),
                           codes_left=two_factor.recovery_codes_left(db, current_user.user))


@bp.route("/your-account/change-password", methods=["GET", "POST"])
@auth.signed_in
def change_password():
    user = current_user.user
    form = ChangePasswordForm()
    if form.validate_on_submit():
        refused = account_changes.change_password(get_session(), get_throttle(), user, form.current.data,
                                                  form.password.data)
        if refused:
            form.current.errors.append(refused)
        else:
            auth.sign_in(user)  # this device stays signed in, under a new session id and the new version
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.home"))
    return render_template("account/change-password.html", form=form)
