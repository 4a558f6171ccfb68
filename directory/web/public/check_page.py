"""The public eligibility checker: no account, nothing stored; the router's three groups with reasons."""

from flask import current_app, render_template

from directory import places, routing
from directory.data import taxonomy
from directory.data.services import listings_in_order
from directory.db import get_session
from directory.models.taxonomy import CONDITIONS, SEN_TYPES
from directory.rules import MISSING_QUESTIONS
from directory.web.public import bp
from directory.web.public.check_forms import CheckForm


def _form(session) -> CheckForm:
    form = CheckForm()
    form.district.choices = [("", "Choose your area")] + [(d.slug, d.name) for d in places.list_districts(session)]
    # Plain words first, the school code after, so families recognise the need.
    form.needs.choices = [(t.code, f"{t.description} ({t.name})") for t in taxonomy.list_terms(session, SEN_TYPES)]
    conditions = [(t.code, t.name[0].upper() + t.name[1:]) for t in taxonomy.list_terms(session, CONDITIONS)]
    form.diagnoses.choices = conditions
    form.suspected.choices = conditions
    return form


def _record(form: CheckForm) -> dict:
    child = {"age": int(form.age.data), "needs": form.needs.data or [], "diagnoses": form.diagnoses.data or [],
             "suspected": form.suspected.data or []}
    if form.ehcp.data != "not_sure":
        child["ehcp"] = form.ehcp.data
    if form.district.data:
        child["district"] = form.district.data
    elif form.postcode.data:
        child["postcode"] = form.postcode.data
    return {"child": child, "referrer": {"role": "self"}}


@bp.route("/check-what-my-child-might-get", methods=["GET", "POST"])
def check():
    session = get_session()
    form = _form(session)
    if not form.validate_on_submit():
        return render_template("public/check.html", form=form, results=None)
    lookup = places.resolve_postcode(session, form.postcode.data) if form.postcode.data else None
    facts, results = routing.route_record(session, _record(form), routing.get_cache(current_app))
    groups = {outcome: [r for r in results if r.outcome == outcome] for outcome in routing.ORDER}
    services = {listing.service.id: listing for listing in _listings(session, results)}
    names = routing.labels(session)
    return render_template(
        "public/check.html", form=form, facts=facts, groups=groups, services=services, lookup=lookup,
        questions=MISSING_QUESTIONS, role_names=names.names["referrer_role"], results=results,
        district_name=names.name("district", facts.derived["district"]) if facts.derived["district"] else None,
    )


def _listings(session, results):
    return listings_in_order(session, [str(r.service_id) for r in results])
