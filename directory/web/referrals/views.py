"""Views for family records and referrals: check the role, load the object the person may see, call below."""

import re
import uuid
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from directory import places, routing
from directory.auth import roles_required
from directory.data import taxonomy
from directory.db import get_session
from directory.models import FamilyRecord, Service, User
from directory.models.families import SECTIONS
from directory.models.taxonomy import CONDITIONS, SEN_TYPES
from directory.postcodes import PostcodeError
from directory.referrals import access, channels, choices, drafts, readable, sent, status_page, submit
from directory.referrals import fields as family_fields
from directory.referrals import records as family_records
from directory.rules import MISSING_QUESTIONS
from directory.web.referrals import bp
from directory.web.referrals.forms import (
    CONSENT_GIVER_LABELS,
    CONSENT_METHOD_LABELS,
    SCHOOL_YEARS,
    SECTION_FORMS,
    ChooseServicesForm,
    consent_form,
    fill,
    form_data,
)

RECORD_ROLES = ("key_worker", "family")
IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as the services page makes it


def _record_or_404(record_id: uuid.UUID, **seen) -> FamilyRecord:
    """The record if this person may see it (404 otherwise); with `seen`, the view is audited (page or section)."""
    db = get_session()
    if seen:
        record = access.open_record(db, current_user.id, current_user.roles, record_id, **seen)
    else:
        record = access.get_record(db, current_user.id, current_user.roles, record_id)
    if record is None:
        abort(404)
    return record


def _role() -> str:
    return channels.sender_role(current_user.roles)


@bp.get("/families")
@roles_required(*RECORD_ROLES)
def records():
    db = get_session()
    found = access.list_records(db, current_user.id, current_user.roles)
    names = {r.id: family_records.section_data(db, r).get("child", {}) for r in found}
    return render_template("referrals/records.html", records=found, names=names,
                           summaries=status_page.summaries(db, [r.id for r in found]))


@bp.post("/families/new")
@roles_required(*RECORD_ROLES)
def new_record():
    db = get_session()
    record = family_records.create_record(db, current_user.id, current_user.roles)
    return redirect(url_for("referrals.record", record_id=record.id))


@bp.get("/families/<uuid:record_id>")
@roles_required(*RECORD_ROLES)
def record(record_id: uuid.UUID):
    db = get_session()
    family = _record_or_404(record_id, page="record")
    sections = family_records.sections_of(db, family)
    key_worker = db.get(User, family.key_worker_id) if family.key_worker_id else None
    return render_template(
        "referrals/record.html", family=family, sections=sections, titles=family_fields.SECTION_TITLES,
        order=SECTIONS, key_worker=key_worker, sent=sent.referrals_of(db, family),
        child=sections["child"].data if "child" in sections else {},
    )


def _section_form(db, section: str, blank: bool = False):
    """The section's form; `blank` for showing saved answers rather than reading the request."""
    form = SECTION_FORMS[section](formdata=None) if blank else SECTION_FORMS[section]()
    if section == "needs":
        form.needs.choices = [SelectChoice(t.code, t.description, render_kw=None)
                              for t in taxonomy.kept_terms(db, SEN_TYPES)]
        conditions = [SelectChoice(t.code, t.name[0].upper() + t.name[1:])
                      for t in taxonomy.kept_terms(db, CONDITIONS)]
        form.diagnoses.choices = conditions
        form.suspected.choices = conditions
    return form


@bp.route("/families/<uuid:record_id>/<any(child, people, needs, story, professionals):section>",
          methods=["GET", "POST"])
@roles_required(*RECORD_ROLES)
def section(record_id: uuid.UUID, section: str):
    db = get_session()
    family = _record_or_404(record_id, section=section) if request.method == "GET" else _record_or_404(record_id)
    if request.method == "POST" and family.closed_at is not None:
        flash("This family's record is closed, so nothing was saved. Reopen it to make changes.", "error")
        return redirect(url_for("referrals.record", record_id=family.id))
    saved = family_records.sections_of(db, family).get(section)
    if request.method == "GET":
        form = _section_form(db, section, blank=True)
        fill(form, saved.data if saved else {})
        if section == "child":
            _district_choices_for_saved_postcode(db, form)
    else:
        form = _section_form(db, section)
        valid = form.validate_on_submit()
        data = form_data(form)
        if section == "child":
            valid = _district_from_postcode(db, form, data) and valid
        # Save on every "Save and continue": what is valid is kept even when other answers need fixing.
        family_records.save_section(db, current_user.id, family, section, data, completed=valid)
        if valid:
            flash(f"{family_fields.SECTION_TITLES[section]}: saved.", "success")
            return redirect(url_for("referrals.record", record_id=family.id))
    return render_template(f"referrals/section-{section}.html", form=form, family=family,
                           title=family_fields.SECTION_TITLES[section])


def _district_from_postcode(db, form, data: dict) -> bool:
    """The district is only ever the postcode lookup's own answer, or the family's choice among its answers
    when the postcode straddles districts; never a posted value on its own (a tampered one would break the
    record's services page). False when the family still has to choose."""
    posted, form.district.data = form.district.data, None
    data.pop("district", None)
    if form.postcode.errors or not form.postcode.data:
        # The postcode is not saved, so the saved district (which goes with the saved postcode) stays.
        return True
    lookup = places.resolve_postcode(db, form.postcode.data)
    if lookup.status == places.AMBIGUOUS:
        form.district.choices = [SelectChoice(d.slug, d.name) for d in lookup.districts]
        if posted in {d.slug for d in lookup.districts}:
            form.district.data = posted
        else:
            form.district.errors = ["Select which area you live in"]
    elif lookup.status == places.FOUND:
        form.district.data = lookup.district.slug
    data["district"] = form.district.data
    return not form.district.errors


def _district_choices_for_saved_postcode(db, form) -> None:
    """Shown again, a straddling postcode shows its districts, so saving again does not ask twice."""
    try:
        lookup = places.resolve_postcode(db, form.postcode.data) if form.postcode.data else None
    except PostcodeError:
        return
    if lookup is not None and lookup.status == places.AMBIGUOUS:
        form.district.choices = [SelectChoice(d.slug, d.name) for d in lookup.districts]
        if form.district.data not in {d.slug for d in lookup.districts}:
            form.district.data = None


@bp.route("/families/<uuid:record_id>/services", methods=["GET", "POST"])
@roles_required(*RECORD_ROLES)
def services(record_id: uuid.UUID):
    db = get_session()
    family = _record_or_404(record_id, page="services")
    facts, results = _route(db, family)
    groups, ruled_out, by_id = choices.options(db, results, _role(),
                                               choices.need_groups(current_app.config["NEED_GROUPS_PATH"]))
    choosable = choices.choosable_ids(groups)
    form = ChooseServicesForm()
    form.services.choices = [SelectChoice(i, by_id[uuid.UUID(i)].service.name) for i in choosable]
    if form.validate_on_submit():
        drafts.choose_services(db, family, current_user.id, form.services.data)
        return redirect(url_for("referrals.consent", record_id=family.id))
    draft = drafts.get(db, family, current_user.id)
    if request.method == "GET" and draft is not None:
        form.services.data = [i for i in draft.data["services"] if i in choosable]
    return render_template(
        "referrals/services.html", family=family, form=form, groups=groups, ruled_out=ruled_out, facts=facts,
        choosable=set(choosable), self_referral=_role() == "family", by_id=by_id,
        role_names=routing.cached_labels(db).names["referrer_role"],
        asks={r.service_id: _asks(r.missing) for r in results},
    )


@bp.get("/families/<uuid:record_id>/services/<uuid:service_id>/summary")
@roles_required(*RECORD_ROLES)
def summary_for_professional(record_id: uuid.UUID, service_id: uuid.UUID):
    """A printable summary of the record for the professional who must make the referral: only the fields that
    service needs. Opening it is audited (the record's fields are shown)."""
    db = get_session()
    if access.get_record(db, current_user.id, current_user.roles, record_id) is None:
        abort(404)
    service = db.get(Service, service_id)
    if service is None:
        abort(404)
    channel = channels.channels_for(db, [service], _role())[service.id]
    if channel.how != channels.ASK_PROFESSIONAL:
        abort(404)
    family = _record_or_404(record_id, page="summary for a professional", service_id=str(service.id))
    keys = submit.fields_shared_with(service)
    values = family_fields.values(family_records.section_data(db, family), keys)
    key_worker = db.get(User, family.key_worker_id) if family.key_worker_id else None
    return render_template("referrals/professional-summary.html", family=family, service=service, channel=channel,
                           rows=readable.rows(values, keys, readable.names(db)), key_worker=key_worker,
                           today=datetime.now(UTC).date())


def _route(db, family: FamilyRecord) -> tuple:
    """Route the record. A saved answer the router cannot read (one saved before today's checks, such as an
    area that does not go with the postcode) is left out, so the page asks for it again instead of failing for
    good."""
    role, cache = family_records.ROLE_FOR_ROUTING[_role()], routing.get_cache(current_app)
    try:
        return family_records.route_record(db, family, role, cache)
    except ValueError:  # routing.RecordError, or a school year that is not a number
        pass
    sections = family_records.section_data(db, family)
    child = dict(sections.get("child", {}))
    if child.get("school_year") not in {choice.value for choice in SCHOOL_YEARS}:
        child.pop("school_year", None)
    record = family_records.routing_input({**sections, "child": child}, role)
    while True:
        try:
            return routing.route_record(db, record, cache)
        except routing.RecordError as error:
            part, _, name = error.field.partition(".")
            if not isinstance(record.get(part), dict) or name not in record[part]:
                raise
            del record[part][name]


def _asks(missing: list[str]) -> list[tuple[str, str | None]]:
    """What to ask for each missing fact, once each, with the section of the record that asks it."""
    asks: dict[str, str | None] = {}
    for fact in missing:
        asks.setdefault(MISSING_QUESTIONS[fact], family_fields.FACT_SECTIONS.get(fact))
    return list(asks.items())


def _chosen(db, family) -> tuple[dict, list[Service]]:
    """The draft's answers and its chosen services, from the server (never the cookie)."""
    draft = drafts.get(db, family, current_user.id)
    if draft is None:
        return {}, []
    chosen = [db.get(Service, uuid.UUID(i)) for i in draft.data["services"]]
    return draft.data, [s for s in chosen if s is not None]


@bp.route("/families/<uuid:record_id>/consent", methods=["GET", "POST"])
@roles_required(*RECORD_ROLES)
def consent(record_id: uuid.UUID):
    db = get_session()
    family = _record_or_404(record_id, page="consent")
    state, chosen = _chosen(db, family)
    if not chosen:
        return redirect(url_for("referrals.services", record_id=family.id))
    form = consent_form([str(s.id) for s in chosen], can_skip_consent=_role() == "key_worker")()
    if form.validate_on_submit():
        consent = {
            str(service.id): {
                "given_by": getattr(form, f"given_by_{i}").data,
                "method": getattr(form, f"method_{i}").data,
                "reason": getattr(form, f"reason_{i}").data if hasattr(form, f"reason_{i}") else None,
                "at": getattr(form, f"when_{i}").data.isoformat() if getattr(form, f"when_{i}").data else None,
            }
            for i, service in enumerate(chosen)
        }
        drafts.record_consent(db, family, current_user.id, consent)
        return redirect(url_for("referrals.check_answers", record_id=family.id))
    shared = {service.id: submit.fields_shared_with(service) for service in chosen}
    return render_template("referrals/consent.html", family=family, form=form, chosen=list(enumerate(chosen)),
                           shared=shared, field_names=family_fields.FIELDS)


@bp.route("/families/<uuid:record_id>/check-answers", methods=["GET", "POST"])
@roles_required(*RECORD_ROLES)
def check_answers(record_id: uuid.UUID):
    db = get_session()
    family = _record_or_404(record_id, page="check answers")
    state, chosen = _chosen(db, family)
    if not chosen or not state.get("consent"):
        return redirect(url_for("referrals.services", record_id=family.id))
    if request.method == "POST":
        # The key comes from the page, so a retried or doubled POST of this page finds its first referral. Only a
        # key of the shape this server makes is taken; anything else is replaced by the server's own.
        key = request.form.get("idempotency_key", "")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            key = state["key"]
        choices = [
            submit.Choice(
                service_id=service.id, consent_given_by=state["consent"][str(service.id)]["given_by"],
                consent_method=state["consent"][str(service.id)]["method"],
                consent_at=_consent_date(state["consent"][str(service.id)]["at"]),
                without_consent_reason=state["consent"][str(service.id)]["reason"],
            )
            for service in chosen
        ]
        try:
            referral = submit.submit_referral(db, current_user.user, current_user.roles, family, choices, key,
                                                current_app.config["CASELOAD_LIMIT"])
        except submit.ReferralError as error:
            flash([str(error), *error.link] if error.link else str(error), "error")
            return redirect(url_for("referrals.services", record_id=family.id))
        return redirect(url_for("referrals.confirmation", record_id=family.id, referral_id=referral.id))
    sections = family_records.section_data(db, family)
    return render_template(
        "referrals/check-answers.html", family=family, chosen=chosen, state=state, sections=sections,
        shared={s.id: submit.fields_shared_with(s) for s in chosen}, field_names=family_fields.FIELDS,
        givers=CONSENT_GIVER_LABELS, methods=CONSENT_METHOD_LABELS,
    )


def _consent_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


@bp.get("/families/<uuid:record_id>/referrals/<uuid:referral_id>")
@roles_required(*RECORD_ROLES)
def confirmation(record_id: uuid.UUID, referral_id: uuid.UUID):
    db = get_session()
    family = _record_or_404(record_id)
    found = sent.confirmation(db, current_user.id, family, referral_id)
    if found is None:
        abort(404)
    key_worker = db.get(User, family.key_worker_id) if family.key_worker_id else None
    return render_template("referrals/confirmation.html", family=family, referral=found[0], rows=found[1],
                           key_worker=key_worker)
