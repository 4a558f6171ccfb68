"""Admins manage people: the list of accounts (search and filters), one person's page, and the pages that change
their roles, services, districts and caseload limit, deactivate and reactivate them. Thin: the rules, queries and
commits are in directory.people_admin and directory.deactivation."""

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from directory import allocation, deactivation, people, people_admin, two_factor
from directory.auth import roles_required
from directory.db import get_session
from directory.web import kept_filters
from directory.web.admin import bp
from directory.web.admin.forms import ROLE_CHOICES
from directory.web.admin.people_forms import (
    TO_QUEUE,
    CaseloadForm,
    DistrictsForm,
    PeopleSearchForm,
    ReactivateForm,
    RolesForm,
    ServicesForm,
    deactivate_form,
)

ROLE_NAMES = {choice.value: choice.label for choice in ROLE_CHOICES}


def _person(person_id: uuid.UUID) -> people_admin.Person:
    try:
        return people_admin.get_person(get_session(), person_id)
    except people_admin.NotFound:
        abort(404)


def _page_number() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else 1


def _pagination(found: people_admin.Found, form: PeopleSearchForm) -> dict | None:
    if found.pages <= 1:
        return None
    def link(number: int) -> str:
        return url_for("admin.people_list", page=number)

    current, last = found.page, found.pages
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == current})
        previous = number
    return {"previous": {"href": link(current - 1)} if current > 1 else None,
            "next": {"href": link(current + 1)} if current < last else None, "items": items}


SEARCH_KEY, SEARCH_FIELDS = "people_search", ("q", "role", "status")


@bp.route("/people", methods=["GET", "POST"])
@roles_required("admin")
def people_list():
    # A name or an email address is personal: the search is posted and kept in the session, not the address.
    if request.method == "POST":
        kept_filters.keep(SEARCH_KEY, request.form, SEARCH_FIELDS)
        return redirect(url_for("admin.people_list"))
    form = PeopleSearchForm(kept_filters.kept(SEARCH_KEY, SEARCH_FIELDS))
    form.validate()
    role = form.role.data if form.role.data in ROLE_NAMES else ""
    status = form.status.data if form.status.data in people_admin.STATUSES else ""
    form.role.data, form.status.data = role, status
    found = people_admin.find_people(get_session(), form.q.data or "", role, status, _page_number())
    return render_template("admin/people.html", search=found, search_form=form, role_names=ROLE_NAMES,
                           pagination=_pagination(found, form))


@bp.get("/people/<uuid:person_id>")
@roles_required("admin")
def person(person_id: uuid.UUID):
    found = _person(person_id)
    return render_template("admin/person.html", person=found, role_names=ROLE_NAMES,
                           two_factor_on=two_factor.is_on(found.user),
                           default_limit=current_app.config["CASELOAD_LIMIT"],
                           is_me=found.user.id == current_user.id)


@bp.route("/people/<uuid:person_id>/roles", methods=["GET", "POST"])
@roles_required("admin")
def person_roles(person_id: uuid.UUID):
    found = _person(person_id)
    form = RolesForm(data={"roles": sorted(found.roles)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            given, taken = people_admin.set_roles(get_session(), current_user.id, person_id, form.roles.data)
        except people_admin.Refused as error:
            form.roles.errors.append(str(error))
        else:
            flash(_roles_banner(found.user.name, given, taken), "success")
            return redirect(url_for("admin.person", person_id=person_id))
    return render_template("admin/person-roles.html", form=form, person=found)


def _roles_banner(name: str, given: set, taken: set) -> str:
    if not given and not taken:
        return f"{name}'s roles have not changed."
    words = [f"{name}'s roles have been changed."]
    if "service_lead" in taken:
        words.append("They no longer lead any services.")
    if "key_worker" in taken:
        words.append("They no longer take new families from any area.")
    return " ".join(words)


@bp.route("/people/<uuid:person_id>/services", methods=["GET", "POST"])
@roles_required("admin")
def person_services(person_id: uuid.UUID):
    found = _person(person_id)
    form = ServicesForm(data={"services": [str(s.id) for s in found.services]} if request.method == "GET" else None)
    form.services.choices = [SelectChoice(str(s.id), s.name) for s in people.list_services(get_session())]
    return _links_page(found, form, form.services, people_admin.set_services, "admin/person-services.html",
                       f"{found.user.name}'s services have been saved.", " They have been given the service lead role.")


@bp.route("/people/<uuid:person_id>/districts", methods=["GET", "POST"])
@roles_required("admin")
def person_districts(person_id: uuid.UUID):
    found = _person(person_id)
    form = DistrictsForm(data={"districts": [str(d.id) for d in found.districts]}
                         if request.method == "GET" else None)
    form.districts.choices = [SelectChoice(str(d.id), d.name) for d in people.list_districts(get_session())]
    return _links_page(found, form, form.districts, people_admin.set_districts, "admin/person-districts.html",
                       f"The areas {found.user.name} takes new families from have been saved.",
                       " They have been given the key worker role.")


def _links_page(found, form, field, save, template: str, saved: str, given: str):
    """A page that links a person to exactly the rows ticked (services they lead, areas they take families from):
    saved with a message (and what role came with it), or the form again with the refusal under the field."""
    if form.validate_on_submit():
        try:
            gave_role = save(get_session(), current_user.id, found.user.id, field.data)
        except people_admin.Refused as error:
            field.errors.append(str(error))
        else:
            flash(saved + (given if gave_role else ""), "success")
            return redirect(url_for("admin.person", person_id=found.user.id))
    return render_template(template, form=form, person=found)


@bp.route("/people/<uuid:person_id>/caseload", methods=["GET", "POST"])
@roles_required("admin")
def person_caseload(person_id: uuid.UUID):
    found = _person(person_id)
    limit = found.user.caseload_limit
    form = CaseloadForm(data={"limit": "" if limit is None else str(limit)} if request.method == "GET" else None)
    default_limit = current_app.config["CASELOAD_LIMIT"]
    if form.validate_on_submit():
        try:
            people_admin.set_caseload_limit(get_session(), current_user.id, person_id, form.value)
        except people_admin.Refused as error:
            form.limit.errors.append(str(error))
        else:
            flash(f"{found.user.name}'s caseload limit is now "
                  + (f"{form.value}." if form.value is not None else f"the site's default ({default_limit})."),
                  "success")
            return redirect(url_for("admin.person", person_id=person_id))
    return render_template("admin/person-caseload.html", form=form, person=found, default_limit=default_limit)


def _worker_label(candidate: allocation.Candidate, district) -> str:
    families = f"{candidate.open_families} open famil{'y' if candidate.open_families == 1 else 'ies'}"
    where = f", covers {district.name}" if candidate.covers_district and district else ""
    return f"{candidate.user.name}{where} ({families})"


@bp.route("/people/<uuid:person_id>/deactivate", methods=["GET", "POST"])
@roles_required("admin")
def person_deactivate(person_id: uuid.UUID):
    db = get_session()
    found = _person(person_id)
    if not found.user.is_active:
        flash(f"{found.user.name}'s account is already deactivated.", "error")
        return redirect(url_for("admin.person", person_id=person_id))
    if found.user.id == current_user.id:
        return render_template("admin/person-deactivate.html", person=found, refusal=(
            "You cannot deactivate your own account. Ask another admin to do it."), families=[], form=None)
    families = deactivation.families_to_move(db, current_user.id, person_id)

    def choices_for(family):
        return [SelectChoice(str(c.user.id), _worker_label(c, family.district))
                for c in allocation.candidates(db, family.district) if c.user.id != person_id]

    form = deactivate_form(families, choices_for)
    shown = ",".join(family.record_id.hex for family in families)
    if request.method == "POST" and form.shown.data != shown:
        flash(deactivation.FAMILIES_CHANGED, "error")
        return redirect(url_for("admin.person_deactivate", person_id=person_id))
    form.shown.data = shown
    if form.validate_on_submit():
        moves = {}
        for family in families:
            answer = form[f"move_{family.record_id.hex}"].data
            moves[family.record_id] = None if answer == TO_QUEUE else uuid.UUID(answer)
        try:
            deactivation.deactivate(db, current_user.id, person_id, moves)
        except deactivation.Refused as error:
            if str(error) == deactivation.FAMILIES_CHANGED:
                flash(str(error), "error")
                return redirect(url_for("admin.person_deactivate", person_id=person_id))
            return render_template("admin/person-deactivate.html", person=found, refusal=str(error),
                                   families=[], form=None)
        flash(f"{found.user.name}'s account has been deactivated. They have been signed out everywhere."
              + (f" Their {len(families)} famil{'y has' if len(families) == 1 else 'ies have'} been moved."
                 if families else ""), "success")
        return redirect(url_for("admin.person", person_id=person_id))
    return render_template("admin/person-deactivate.html", person=found, families=families, form=form,
                           refusal=None)


@bp.route("/people/<uuid:person_id>/reactivate", methods=["GET", "POST"])
@roles_required("admin")
def person_reactivate(person_id: uuid.UUID):
    found = _person(person_id)
    form = ReactivateForm()
    if form.validate_on_submit():
        try:
            deactivation.reactivate(get_session(), current_user.id, person_id)
        except deactivation.Refused as error:
            flash(str(error), "error")
        else:
            flash(f"{found.user.name}'s account has been reactivated. They can sign in again.", "success")
        return redirect(url_for("admin.person", person_id=person_id))
    if found.user.is_active:
        return redirect(url_for("admin.person", person_id=person_id))
    return render_template("admin/person-reactivate.html", form=form, person=found)
