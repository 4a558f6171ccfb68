"""Admins edit the search thesaurus: the list of groups (find by kind or phrase), a new group, a group's page to
change it, and deleting one after a confirmation. Thin: directory.thesaurus_admin checks, audits and commits; the
search index is rebuilt with the change after commit (directory.search.sync)."""

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from directory import thesaurus_admin as admin
from directory.auth import roles_required
from directory.db import get_session
from directory.web.admin import bp
from directory.web.admin.thesaurus_forms import DeleteGroupForm, GroupForm, ThesaurusSearchForm, lines

SAVED = "The search will use the change in a minute or two."


def _group(group_id: uuid.UUID):
    try:
        return admin.get_group(get_session(), group_id)
    except admin.NotFound:
        abort(404)


def _group_form(choices: admin.Choices, group=None) -> GroupForm:
    form = GroupForm(formdata=request.form if request.method == "POST" else None)
    form.categories.choices = [SelectChoice(code, name) for code, name in choices.categories.items()]
    form.needs.choices = [SelectChoice(code, name) for code, name in choices.needs.items()]
    if request.method != "POST" and group is not None:
        form.phrases.data = "\n".join(group.phrases)
        form.query_only.data = "\n".join(group.query_only)
        form.kind.data = group.kind
        form.categories.data = list(group.categories)
        form.needs.data = list(group.needs)
    return form


def _save(form: GroupForm, group_id: uuid.UUID | None):
    """The group saved and whether it changed, or None with the refusal on the form."""
    try:
        return admin.save_group(get_session(), current_user.id, group_id, form.kind.data, lines(form.phrases.data),
                                lines(form.query_only.data), form.categories.data or [], form.needs.data or [])
    except admin.Refused as refused:
        getattr(form, refused.field).errors.append(str(refused))
        return None


@bp.get("/thesaurus")
@roles_required("admin")
def thesaurus():
    form = ThesaurusSearchForm(request.args)
    form.validate()
    kind = form.kind.data if form.kind.data in admin.KIND_NAMES else ""
    form.kind.data = kind
    session = get_session()
    groups = admin.find_groups(session, kind, form.phrase.data or "")
    return render_template("admin/thesaurus.html", groups=groups, search_form=form, choices=admin.choices(session),
                           kind_names=admin.KIND_NAMES, filtered=bool(kind or form.phrase.data))


@bp.route("/thesaurus/new", methods=["GET", "POST"])
@roles_required("admin")
def thesaurus_new():
    form = _group_form(admin.choices(get_session()))
    if form.validate_on_submit() and (saved := _save(form, None)):
        flash(f"Group {admin.group_name(saved[0].phrases)} added. {SAVED}", "success")
        return redirect(url_for("admin.thesaurus"))
    return render_template("admin/thesaurus-group.html", form=form, group=None)


@bp.route("/thesaurus/<uuid:group_id>", methods=["GET", "POST"])
@roles_required("admin")
def thesaurus_group(group_id: uuid.UUID):
    group = _group(group_id)
    form = _group_form(admin.choices(get_session()), group)
    if form.validate_on_submit() and (saved := _save(form, group_id)):
        if saved[1]:
            flash(f"Group {admin.group_name(saved[0].phrases)} saved. {SAVED}", "success")
        else:
            flash("Nothing was changed.", "success")
        return redirect(url_for("admin.thesaurus"))
    return render_template("admin/thesaurus-group.html", form=form, group=group)


@bp.route("/thesaurus/<uuid:group_id>/delete", methods=["GET", "POST"])
@roles_required("admin")
def thesaurus_delete(group_id: uuid.UUID):
    group = _group(group_id)
    form = DeleteGroupForm()
    if form.validate_on_submit():
        try:
            admin.delete_group(get_session(), current_user.id, group_id)
        except admin.NotFound:
            abort(404)
        flash(f"Group {admin.group_name(group.phrases)} deleted. {SAVED}", "success")
        return redirect(url_for("admin.thesaurus"))
    return render_template("admin/thesaurus-delete.html", form=form, group=group)
