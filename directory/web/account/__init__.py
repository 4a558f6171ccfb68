"""Accounts: sign in and out, create a family account, reset a password, accept an invitation."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from directory.web.account import views  # noqa: E402,F401
