"""Tell it once: family records, routing the child, consent per service, and one submission of referrals.

For key workers and families (and service leads, who see the service referrals sent to their services).
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from directory.web.referrals import closing, inbox, invitations, referral_page, rerouting, views  # noqa: E402,F401
