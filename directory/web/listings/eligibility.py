"""The eligibility editor (directory.listings.eligibility_editor): a lead edits who their service is for, sees the
rule in plain English, tries it on a sample child, and sends it to an admin for approval."""

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth import roles_required
from directory.db import get_session
from directory.listings import change_requests
from directory.listings import eligibility_editor as editor
from directory.listings.writer import ListingError
from directory.models import Service
from directory.referrals.lifecycle import is_lead
from directory.rules import RuleError
from directory.web.listings import bp
from directory.web.listings.eligibility_forms import EligibilityForm


@bp.route("/<uuid:service_id>/edit/eligibility", methods=["GET", "POST"])
@roles_required("service_lead")
def edit_eligibility(service_id: uuid.UUID):
    db = get_session()
    service = db.get(Service, service_id)
    if service is None or not is_lead(db, current_user.id, current_user.roles, service_id):
        abort(404)
    section = editor.current_section(db, service_id)
    found = editor.choices(db)
    form = EligibilityForm()
    form.set_choices(found)
    if not form.is_submitted():
        form.fill(section.answers)
    trial, problems = None, {}
    answers = section.answers
    if form.is_submitted():
        form.validate()
        if not _rule_errors(form):
            answers = form.answers()
            problems = editor.check_answers(answers, editor.vocabulary(db))
            for name, message in problems.items():
                target = getattr(form, name, None) or form.save  # a problem with the rule as a whole
                target.errors = [*target.errors, message]
        # The sample child's answers matter only to "Try it": saving needs only the rule's own to be right.
        valid = not problems and not _rule_errors(form)
        if valid and form.save.data:
            changes = editor.changes_from_answers(section, answers)
            try:
                if not changes:
                    raise ListingError(["You have not changed anything"])
                editor.request_eligibility_change(db, current_user.id, current_user.roles, service_id, changes)
            except (ListingError, RuleError) as error:
                form.save.errors = list(getattr(error, "problems", [str(error)]))
            else:
                flash("Your changes to who the service is for have been sent to an admin for approval. Families "
                      "see them once they are approved.", "success")
                return redirect(url_for("listings.edit_eligibility", service_id=service_id))
        if valid and not form.errors and form.try_it.data:
            trial = editor.try_rule(answers, _rule(section, answers), form.sample(), found)
    shown = None if problems or _rule_errors(form) else editor.describe(answers, _rule(section, answers), found)
    current = editor.describe(section.answers, section.entry["eligibility"], found)
    waiting = [r for r in change_requests.pending_for(db, service_id) if set(r.changes) & set(editor.FIELDS)]
    return render_template("listings/eligibility.html", service=service, form=form, section=section, shown=shown,
                           current=current, trial=trial, waiting=waiting)


def _rule(section: editor.Section, answers: dict) -> dict | None:
    return editor.rule_from_answers(answers) if section.editable else section.entry["eligibility"]


def _rule_errors(form: EligibilityForm) -> bool:
    """Errors in the rule's own questions (not the sample child's)."""
    return any(not name.startswith("sample_") for name in form.errors)
