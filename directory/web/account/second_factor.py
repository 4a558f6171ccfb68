"""The second factor: set it up from the account page, and enter a code (or a recovery code) when signing in."""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from directory import auth, signing_in, two_factor
from directory.db import get_session
from directory.throttle import get_throttle
from directory.web.account import bp
from directory.web.account.forms import CodeForm, RecoveryCodeForm
from directory.web.account.views import pending_user

TOO_MANY_CODES = "You have entered too many wrong codes. Wait 15 minutes, then try again"


def _check_pending_code(form, check) -> object:
    """Shared by the code and recovery code pages: throttle, check, audit, then sign in or show the error."""
    user = pending_user()
    if user is None:
        session.pop("pending_sign_in", None)
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("account.sign_in"))
    if not form.validate_on_submit():
        return None
    refused = signing_in.code_step(get_session(), get_throttle(), user, check, form.code.data,
                                   form.code.label.text.lower())
    if refused is signing_in.Refused.THROTTLED:
        form.code.errors.append(TOO_MANY_CODES)
        return None
    if refused is signing_in.Refused.WRONG:
        form.code.errors.append(f"The {form.code.label.text.lower()} is not right, or it has been used. Try again")
        return None
    next_page = session["pending_sign_in"]["next"]
    auth.sign_in(user)
    return redirect(next_page)


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    form = CodeForm()
    done = _check_pending_code(form, two_factor.verify_code)
    return done or render_template("account/sign-in-code.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def sign_in_recovery_code():
    form = RecoveryCodeForm()
    done = _check_pending_code(form, two_factor.use_recovery_code)
    return done or render_template("account/sign-in-recovery-code.html", form=form)


@bp.route("/your-account/two-factor", methods=["GET", "POST"])
@auth.signed_in
def two_factor_setup():
    db, user = get_session(), current_user.user
    if two_factor.is_on(user):
        return render_template("account/two-factor-on.html", codes_left=two_factor.recovery_codes_left(db, user))
    # The secret waits in the server-side session until the person proves their app has it.
    secret = session.get("two_factor_secret") or two_factor.new_secret()
    session["two_factor_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = signing_in.turn_on_second_factor(db, user, secret, form.code.data)
        if codes is not None:
            session.pop("two_factor_secret", None)
            session["needs_two_factor_setup"] = False
            return render_template("account/recovery-codes.html", codes=codes)
        form.code.errors.append("The security code is not right. Check the time on your phone, then try again")
    uri = two_factor.setup_uri(secret, user.email, current_app.config["SERVICE_NAME"])
    return render_template("account/two-factor-setup.html", form=form, secret=secret,
                           qr_code=two_factor.qr_code_svg(uri), required=session.get("needs_two_factor_setup"))
