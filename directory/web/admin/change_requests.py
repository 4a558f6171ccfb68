"""Admin views: the queue of change requests leads have made (field by field, old and new), approving or rejecting
them, and each listing's version history with restore."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import change_requests, history, writer
from directory.listings.change_requests import FIELD_LABELS, SECTIONS
from directory.listings.writer import ListingError
from directory.models import Service, User
from directory.models.listings import ChangeRequest
from directory.routing import labels
from directory.rules import describe_rule
from directory.web.admin import bp
from directory.web.admin.change_request_forms import DecideForm, RestoreForm


def _names(session, ids) -> dict:
    ids = {i for i in ids if i is not None}
    return {u.id: u.name for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


def _term_names(session) -> dict[str, str]:
    """Names for the codes a listing holds (districts, needs, kinds of help)."""
    return {code: name for pairs in change_requests.choices(session).values() for code, name in pairs}


def _rule(session, rule):
    """A rule in plain English (a tree for components/rule.html), or None when there is none."""
    return describe_rule(rule, labels(session)) if rule else None


@bp.get("/change-requests")
@roles_required("admin")
def change_requests_queue():
    session = get_session()
    waiting = change_requests.pending(session)
    services = {s.id: s for s in session.exec(select(Service).where(Service.id.in_({r.service_id for r in waiting})))}
    return render_template("admin/change-requests.html", requests=waiting, services=services, sections=SECTIONS,
                           names=_names(session, [r.requested_by_id for r in waiting]))


@bp.route("/change-requests/<uuid:request_id>", methods=["GET", "POST"])
@roles_required("admin")
def change_request(request_id: uuid.UUID):
    session = get_session()
    request = session.get(ChangeRequest, request_id)
    if request is None:
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        version = form.version_number()
        try:
            if version is None:
                raise change_requests.Changed()
            decided = change_requests.decide(session, current_user.id, request.id, version,
                                             form.decision.data == "approve", form.reason.data)
        except change_requests.NotAllowed:
            abort(404)
        except ListingError as error:
            form.decision.errors = [*form.decision.errors, *error.problems]
            request = session.get(ChangeRequest, request_id)
        else:
            flash(("Change approved: it is now on the public page and in search."
                   if decided.status == "approved" else "Change rejected.") + " The service lead has been emailed.",
                  "success")
            return redirect(url_for("admin.change_requests_queue"))
    form.version.data = str(request.version)
    entry = writer.service_entry(session, request.service_id) or {}
    stale = change_requests.changed_since(session, request) if request.status == "pending" else []
    rows = [{"field": key, "label": FIELD_LABELS.get(key, key), "before": request.before.get(key),
             "after": value} for key, value in request.changes.items()]
    if request.section == "locations":
        rows = change_requests.location_rows(session, request)
    rules = {key: (_rule(session, request.before.get(key)), _rule(session, request.changes.get(key)))
             for key in request.changes if key == "eligibility"}
    return render_template("admin/change-request.html", request=request, form=form, entry=entry, rows=rows,
                           rules=rules, stale=[FIELD_LABELS.get(key, key) for key in stale],
                           section=SECTIONS[request.section], term_names=_term_names(session),
                           names=_names(session, [request.requested_by_id, request.decided_by_id]))


@bp.get("/services/<uuid:service_id>/history")
@roles_required("admin")
def service_history(service_id: uuid.UUID):
    session = get_session()
    entry = writer.service_entry(session, service_id)
    revisions = writer.revisions(session, service_id)
    if entry is None and not revisions:
        abort(404)
    return render_template("admin/service-history.html", service_id=service_id, entry=entry or {},
                           revisions=revisions, names=_names(session, [r.user_id for r in revisions]))


@bp.route("/services/<uuid:service_id>/history/<int:number>", methods=["GET", "POST"])
@roles_required("admin")
def service_revision(service_id: uuid.UUID, number: int):
    session = get_session()
    revision = history.revision(session, service_id, number)
    if revision is None:
        abort(404)
    form = RestoreForm()
    if form.validate_on_submit():
        try:
            written = history.restore(session, current_user.id, service_id, number)
        except change_requests.NotAllowed:
            abort(404)
        except ListingError as error:
            form.submit.errors = [*form.submit.errors, *error.problems]
        else:
            flash(f"Version {number} restored as version {written.number}. It is on the public page now.", "success")
            return redirect(url_for("admin.service_history", service_id=service_id))
    differences = history.revision_differences(session, service_id, number)
    rules = {d.field: (_rule(session, d.before), _rule(session, d.after)) for d in differences
             if d.field == "eligibility"}
    return render_template("admin/service-revision.html", revision=revision, differences=differences, rules=rules,
                           labels=FIELD_LABELS, form=form, term_names=_term_names(session),
                           entry=writer.service_entry(session, service_id) or {},
                           names=_names(session, [revision.user_id]))
