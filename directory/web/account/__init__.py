"""Accounts: sign in (with a second factor) and out, family accounts, emailed links, the account page."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from directory.web.account import links, second_factor, views, work_phone  # noqa: E402,F401
