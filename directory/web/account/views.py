"""Signing in and out, the account page and changing a password: thin; accounts, throttle and auth do the work."""

import time
import uuid
from urllib.parse import urlparse

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from directory import accounts, auth, people, two_factor
from directory.audit import record
from directory.db import get_session
from directory.models import User
from directory.notify.queue import queue
from directory.referrals import sent
from directory.throttle import get_throttle
from directory.web.account import bp
from directory.web.account.forms import ChangePasswordForm, SignInForm

TOO_MANY_SIGN_INS = "You have tried to sign in too many times. Wait 15 minutes, then try again"
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
        db, throttle, client = get_session(), get_throttle(), request.remote_addr or "unknown"
        if throttle.blocked("sign_in", form.email.data) or throttle.blocked("client", client):
            form.email.errors.append(TOO_MANY_SIGN_INS)
            record(db, None, "sign_in_throttled", "user", None)
            db.commit()
            return render_template("account/sign-in.html", form=form), 429
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None:
            throttle.hit("sign_in", form.email.data)
            throttle.hit("client", client)
            known = accounts.get_user_by_email(db, form.email.data)
            record(db, known.id if known else None, "sign_in_failed", "user", known.id if known else None)
            db.commit()
            form.email.errors.append("Enter a correct email address and password")
        else:
            throttle.clear("sign_in", form.email.data)
            record(db, user.id, "sign_in_password", "user", user.id)
            db.commit()
            return finish_password_step(user, request.args.get("next"))
    return render_template("account/sign-in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        db = get_session()
        record(db, current_user.id, "sign_out", "user", current_user.id)
        db.commit()
    auth.sign_out()
    flash("You have signed out.", "success")
    return redirect(url_for("public.start"))


@bp.get("/your-account")
@auth.signed_in
def home():
    db = get_session()
    received = []
    if current_user.has_role("service_lead"):
        received = sent.referrals_to_services(db, current_user.id, people.member_services(db, current_user.id))
    return render_template("account/home.html", user=current_user.user, roles=sorted(current_user.roles),
                           received=received, two_factor_on=two_factor.is_on(current_user.user),
                           codes_left=two_factor.recovery_codes_left(db, current_user.user))


@bp.route("/your-account/change-password", methods=["GET", "POST"])
@auth.signed_in
def change_password():
    db, user, throttle = get_session(), current_user.user, get_throttle()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if throttle.blocked("sign_in", user.email):
            form.current.errors.append(TOO_MANY_SIGN_INS)
        elif accounts.authenticate(db, user.email, form.current.data) is None:
            throttle.hit("sign_in", user.email)
            record(db, user.id, "change_password_failed", "user", user.id)
            db.commit()
            form.current.errors.append("Your current password is not right")
        else:
            accounts.set_password(user, form.password.data)
            record(db, user.id, "change_password", "user", user.id)
            queue(db, user.email, "password_changed")
            db.commit()
            auth.sign_in(user)  # this device stays signed in, under a new session id and the new version
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.home"))
    return render_template("account/change-password.html", form=form)
