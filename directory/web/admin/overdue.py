"""Admins: referrals left unanswered past the service's response target (no family data), where the escalation
email leads."""

from flask import render_template

from directory.auth import roles_required
from directory.db import get_session
from directory.referrals import overdue
from directory.web.admin import bp


@bp.get("/referrals-without-reply")
@roles_required("admin")
def referrals_without_reply():
    return render_template("admin/referrals-without-reply.html", rows=overdue.unanswered(get_session()))
