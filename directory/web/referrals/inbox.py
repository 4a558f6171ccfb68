"""The service lead's inbox: the referrals sent to their services (directory.referrals.inbox)."""

from flask import render_template, request, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.referrals import inbox as service_inbox
from directory.referrals.words import STATUS_TAGS
from directory.web.referrals import bp


@bp.get("/inbox")
@roles_required("service_lead")
def inbox():
    found = service_inbox.service_inbox(get_session(), current_user.id, request.args)
    return render_template("referrals/inbox.html", inbox=found, query=found.query,
                           status_filters=service_inbox.STATUS_FILTERS, sorts=service_inbox.SORTS,
                           status_tags=STATUS_TAGS, pagination=_pagination(found), link=_link(found.query))


def _link(query: service_inbox.Query):
    """The inbox's address with some of the query changed (any change but the page goes back to page 1)."""
    def link(**changes) -> str:
        return url_for("referrals.inbox", **query.args(**{"page": 1, **changes}))
    return link


def _pagination(found: service_inbox.Inbox) -> dict | None:
    if found.pages <= 1:
        return None
    current, last, link = found.query.page, found.pages, _link(found.query)
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(page=number), "current": number == current})
        previous = number
    return {"previous": {"href": link(page=current - 1)} if current > 1 else None,
            "next": {"href": link(page=current + 1)} if current < last else None,
            "items": items}
