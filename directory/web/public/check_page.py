"""The public eligibility checker: no account, nothing stored; the router's three groups with reasons."""

from flask import current_app, render_template

from directory import places, reference_cache, routing
from directory.data import taxonomy
from directory.data.services import kept_listings
from directory.db import get_session
from directory.models.taxonomy import CONDITIONS, SEN_TYPES
from directory.rules import MISSING_QUESTIONS
from directory.web.public import bp
from directory.web.public.check_forms import NOT_SURE, CheckForm

# The question on this page that gives each fact the rules can read (None: the page always knows it, as a
# family checking for itself is always the referrer). A new rule field fails the tests until it is here.
ASKED_BY = {
    "age": "age", "age_months": "months", "district": "district", "local_authority": "district",
    "needs": "needs", "need_areas": "needs", "diagnoses": "diagnoses", "suspected": "suspected", "ehcp": "ehcp",
    "school_year": "school_year", "looked_after": "looked_after", "in_education": "in_education",
    "referrer_role": None,
}
# What "we need to know ..." says here, where it differs from the key worker's record (which asks for a date
# of birth and a council area the checker does not).
QUESTIONS = {**MISSING_QUESTIONS, "age_months": "how many months old your child is, as well as their age in years",
             "local_authority": MISSING_QUESTIONS["district"]}


def _choices(session) -> dict[str, list[tuple[str, str]]]:
    conditions = [(t.code, t.name[0].upper() + t.name[1:]) for t in taxonomy.list_terms(session, CONDITIONS)]
    return {
        "district": [("", "Choose your area")] + [(d.slug, d.name) for d in places.list_districts(session)],
        # Plain words first, the school code after, so families recognise the need.
        "needs": [(t.code, f"{t.description} ({t.name})") for t in taxonomy.list_terms(session, SEN_TYPES)],
        "diagnoses": conditions,
        "suspected": conditions,
    }


def _form(session) -> CheckForm:
    form = CheckForm()
    # Districts and terms change only with the directory revision.
    for name, choices in reference_cache.cached("checker-choices", session, _choices).items():
        getattr(form, name).choices = list(choices)
    return form


def _record(form: CheckForm) -> dict:
    child = {"age": int(form.age.data), "needs": form.needs.data or [], "diagnoses": form.diagnoses.data or [],
             "suspected": form.suspected.data or []}
    if form.months.data:
        child["months"] = int(form.months.data)
    if form.ehcp.data != NOT_SURE:
        child["ehcp"] = form.ehcp.data
    if form.school_year.data:
        child["school_year"] = int(form.school_year.data)
    for name in ("in_education", "looked_after"):
        answer = getattr(form, name).data
        if answer in ("yes", "no"):
            child[name] = answer == "yes"
    if form.district.data:
        child["district"] = form.district.data
    elif form.postcode.data:
        child["postcode"] = form.postcode.data
    return {"child": child, "referrer": {"role": "self"}}


def asks(missing: list[str]) -> list[tuple[str, str]]:
    """(question, the id of the field that asks it) for each fact a service still needs, each question once."""
    found = {}
    for name in missing:
        found.setdefault(QUESTIONS[name], ASKED_BY[name])
    return list(found.items())


def _years(ages: list[int]) -> str:
    ages = sorted(set(ages))
    shown = ", ".join(map(str, ages[:-1])) + f" and {ages[-1]}" if len(ages) > 1 else str(ages[0])
    return f"age{'s' if len(ages) > 1 else ''} {shown}"


def age_notes(age: int, hidden: dict) -> list[str]:
    """"2 services match your other answers, but not for age 4: they start at age 6", and the same for services
    that end before the child's age."""
    notes = []
    later = [low for low, _high in hidden.values() if low > age]
    earlier = [high for _low, high in hidden.values() if high < age]
    for ages, one, many in ((later, "it starts at", "they start at"),
                            (earlier, "it is for children up to", "they are for children up to")):
        if ages:
            count = "1 service matches" if len(ages) == 1 else f"{len(ages)} services match"
            notes.append(f"{count} your other answers, but not for age {age}: "
                         f"{one if len(ages) == 1 else many} {_years(ages)}")
    return notes


@bp.route("/check-what-my-child-might-get", methods=["GET", "POST"])
def check():
    session = get_session()
    form = _form(session)
    if not form.validate_on_submit():
        return render_template("public/check.html", form=form, results=None)
    lookup = places.resolve_postcode(session, form.postcode.data) if form.postcode.data else None
    cache = routing.get_cache(current_app)
    facts, results = routing.route_record(session, _record(form), cache)
    hidden = routing.hidden_by_age(cache.get(session), facts, results)
    groups = {outcome: [r for r in results if r.outcome == outcome] for outcome in routing.ORDER}
    services = {listing.service.id: listing for listing in _listings(session, results)}
    names = routing.cached_labels(session)
    return render_template(
        "public/check.html", form=form, facts=facts, groups=groups, services=services, lookup=lookup,
        asks={r.service_id: asks(r.missing) for r in results}, role_names=names.names["referrer_role"],
        results=results, age_notes=age_notes(facts.derived["age"], hidden),
        hidden_by_age=[r for r in results if r.service_id in hidden],
        district_name=names.name("district", facts.derived["district"]) if facts.derived["district"] else None,
        possible_districts=[names.name("district", slug) for slug in facts.possible_districts],
    )


def _listings(session, results):
    # The router's results are every active service: each listing comes from those kept by the revision.
    kept = kept_listings(session)
    return [kept[r.service_id] for r in results if r.service_id in kept]
