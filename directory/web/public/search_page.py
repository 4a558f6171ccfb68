"""GET /search: words, "for my child" and filters in; ranked services, facet counts and help out."""

import re
from dataclasses import dataclass

from flask import current_app, render_template, request, url_for
from markupsafe import Markup

from directory import places, reference_cache, routing
from directory.data import service_search, taxonomy
from directory.data import services as service_data
from directory.db import get_session
from directory.models.taxonomy import CATEGORIES, NEED_AREAS, REFERRER_ROLES, SEN_TYPES
from directory.search import PAGE_SIZE, SearchRequest, SearchUnavailable
from directory.search.sync import get_index
from directory.web.public import bp
from directory.web.public.search_forms import SearchForm

# Form field -> index facet, and the heading of each filter group.
FILTERS = (
    ("category", "category", "Type of help"),
    ("need", "need", "Area of need"),
    ("area", "district", "Area covered"),
    ("referrer", "referrer", "Who can refer"),
    ("cost", "cost", "Cost"),
    ("accepting", "accepting", "Taking referrals"),
)
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")
FIXED_LABELS = {
    "cost": {"free": "Free"},
    "accepting": {"yes": "Taking new referrals now", "no": "Not taking new referrals now"},
}


@dataclass
class FilterGroup:
    name: str
    heading: str
    options: list[dict]  # for the GOV.UK checkboxes macro


def _labels(session) -> dict[str, dict[str, str]]:
    """Names for every filter value; read once and kept until the directory revision changes."""
    return reference_cache.cached("search-filter-labels", session, _read_labels)


def _read_labels(session) -> dict[str, dict[str, str]]:
    referrers = taxonomy.term_names(session, (REFERRER_ROLES,))
    referrers[service_data.SELF_REFERRAL] = "Families can refer themselves"
    return {
        "category": taxonomy.term_names(session, (CATEGORIES,)),
        "need": taxonomy.term_names(session, (NEED_AREAS, SEN_TYPES)),
        "area": {d.slug: d.name for d in places.list_districts(session)},
        "referrer": referrers,
        **FIXED_LABELS,
    }


def _filter_groups(form: SearchForm, facets: dict, labels: dict) -> list[FilterGroup]:
    groups = []
    for field_name, facet, heading in FILTERS:
        selected = set(getattr(form, field_name).data or [])
        counts = dict(facets[facet])
        order = list(labels[field_name])
        options = [
            {"value": value, "text": f"{labels[field_name][value]} ({counts[value]})", "checked": value in selected}
            for value in order if value in counts
        ]
        if options:
            groups.append(FilterGroup(field_name, heading, options))
    return groups


def _where_child_lives(form: SearchForm, session):
    """(district slug or None, the postcode lookup when it needs the family to choose or is not covered)."""
    if form.district.data and places.get_district(session, form.district.data):
        return form.district.data, None
    if form.postcode.data and not form.postcode.errors:
        lookup = places.resolve_postcode(session, form.postcode.data)
        if lookup.status == places.FOUND:
            return lookup.district.slug, None
        if lookup.status == places.AMBIGUOUS:
            form.district.choices = [(d.slug, d.name) for d in lookup.districts]
        return None, lookup
    return None, None


# Searches whose main content each process keeps (about 45 kB each), by address, revision and index version.
KEPT_PAGES = 200


@bp.get("/search")
def search():
    session = get_session()
    try:
        index = get_index(current_app)
        # The same address shows the same main content until the directory or the index changes: drawn once.
        key = (tuple(sorted(request.args.items(multi=True))), index.version())
        main_html, form = reference_cache.cached_per_key("public-search-html", key, session,
                                                         lambda _session, _key: _main_content(session, index),
                                                         limit=KEPT_PAGES)
    except SearchUnavailable:
        current_app.logger.exception("Search unavailable")
        return render_template("public/search-unavailable.html"), 503
    # The form goes to the page's frame only when it has errors (the title and the error summary); it is shared by
    # every request for this address and only read.
    return render_template("public/search.html", main_html=main_html, form=form)


def _main_content(session, index) -> tuple[Markup, SearchForm | None]:
    """The page's main content for this address (the form as typed, what was found, the filters and help), and
    the form when it has errors."""
    form = SearchForm(request.args, meta={"csrf": False})
    form.validate()
    district, lookup = _where_child_lives(form, session)
    filters = {facet: getattr(form, name).data or [] for name, facet, _heading in FILTERS}
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    search_request = SearchRequest(text=form.q.data or "", filters=filters, age=form.age_years,
                                   district=district, page=page,
                                   exclude_ids=_not_eligible(session, form, district) if form.eligible_only.data
                                   else frozenset())
    # Where the child lives, when given, wins over a place in the words.
    read_place = not (form.all_areas.data or form.postcode.data or form.district.data)
    found = service_search.find(session, index, search_request, read_place=read_place, places=_places(),
                                explain=True, read_age_from_words=not form.all_ages.data)
    results = found.results
    labels = _labels(session)
    listings = service_search.result_rows(session, results.ids)
    advice = [] if results.total else service_data.services_linked_to(
        session, [t.id for t in taxonomy.list_terms(session, CATEGORIES) if t.code == "impartial-advice"]
    )
    return Markup(render_template(
        "public/_search-main.html",
        form=form,
        results=results,
        found=found,
        listings=listings,
        service_url=_service_url(),
        filter_groups=_filter_groups(form, results.facets, labels),
        lookup=lookup,
        district_name=labels["area"].get(district) if district else None,
        chosen_filters=[(labels[name].get(v, v)) for name, facet, _h in FILTERS for v in filters[facet]],
        advice=advice,
        pagination=_pagination(results),
        first=(results.page - 1) * PAGE_SIZE + 1,
        all_areas_url=_url_without(all_areas="1") if found.place_name else None,
        all_ages_url=_url_without(all_ages="1") if found.age_from_words is not None else None,
        age=_age(form, found),
        hidden=_hidden_messages(found, form, labels, district),
    )), (form if form.errors else None)


def _service_url():
    """url_for("public.service", slug=...) for each result, built once a page: a slug is made of letters, digits and
    hyphens, which a URL keeps as they are."""
    base = url_for("public.service", slug="-")[:-1]

    def service_url(slug: str) -> str:
        return base + slug if _PLAIN_SLUG.fullmatch(slug) else url_for("public.service", slug=slug)

    return service_url


def _age(form: SearchForm, found) -> int | None:
    """The child's age searched for: the one given in the form, else one read from the words."""
    return form.age_years if form.age_years is not None else found.age_from_words


def _places() -> service_search.PlaceCache:
    return current_app.extensions.setdefault("search_places", service_search.PlaceCache())


def _url_without(*names: str, **extra: str) -> str:
    """This search's address without the named parameters (and back to the first page), plus `extra`."""
    args = {key: values for key, values in request.args.to_dict(flat=False).items()
            if key not in names and key != "page"}
    args.update({key: [value] for key, value in extra.items()})
    return url_for("public.search", **args)


# What a facet filter that hid services says after "N services match 'words' but ...", singular and plural.
FACET_HIDES = {
    "category": ("is not listed under {values}", "are not listed under {values}", "Remove the type of help filter"),
    "need": ("is not listed for {values}", "are not listed for {values}", "Remove the area of need filter"),
    "district": ("does not cover {values}", "do not cover {values}", "Remove the area filter"),
    "referrer": ("does not take referrals from {values}", "do not take referrals from {values}",
                 "Remove the who can refer filter"),
    "cost": ("is not free", "are not free", "Remove the cost filter"),
}


def _hidden_messages(found, form: SearchForm, labels: dict, district: str | None) -> list[dict]:
    """Plain-English lines for what each choice hid, each with a link that takes that choice away."""
    if not found.hidden or not (found.text or not found.results.total):
        return []
    facet_fields = {facet: name for name, facet, _heading in FILTERS}
    messages = []
    for hidden in found.hidden:
        one = hidden.count == 1
        searched = f"“{found.text}”" if found.text else "your search"
        start = f"{hidden.count} {'service matches' if one else 'services match'} {searched}"
        if hidden.kind == "place":
            text, link, href = f"but not in {found.place_name}", "Search all areas", _url_without(all_areas="1")
        elif hidden.kind == "age" and found.age_from_words is not None:
            age = found.age_from_words
            text = f"but not for age {age}: {_ages_note(hidden.ages, age)}"
            link, href = "Search all ages", _url_without(all_ages="1")
        elif hidden.kind == "age":
            text = f"but not for age {form.age_years}: {_ages_note(hidden.ages, form.age_years)}"
            link, href = "Remove your child's age", _url_without("age")
        elif hidden.kind == "district":
            text = f"but not in {labels['area'].get(district, district)}, where your child lives"
            link, href = "Remove where your child lives", _url_without("postcode", "district")
        elif hidden.kind == "eligible":
            text = f"but your child may not be able to use {'it' if one else 'them'}"
            link, href = "Include services my child may not be able to use", _url_without("eligible_only")
        elif hidden.kind == "facet":
            name = facet_fields[hidden.facet]
            chosen = form[name].data or []
            if hidden.facet == "accepting":
                taking = "is" if one else "are"
                text = f"but {taking} {'not ' if 'yes' in chosen else ''}taking new referrals now"
                link = "Remove the taking referrals filter"
            else:
                singular, plural, link = FACET_HIDES[hidden.facet]
                values = " or ".join(labels[name].get(value, value) for value in chosen)
                text = "but " + (singular if one else plural).format(values=values)
            href = _url_without(name)
        else:  # together
            text = "but not with all your choices together"
            link = "Search again without filters"
            href = url_for("public.search", q=form.q.data, **({"all_areas": "1"} if found.place_name else {}),
                           **({"all_ages": "1"} if found.age_from_words is not None else {}))
        messages.append({"text": f"{start} {text}.", "link": link, "href": href})
    return messages


def _ages_note(ages: list[tuple[int, int]], age: int) -> str:
    youngest = min(low for low, _high in ages)
    oldest = max(high for _low, high in ages)
    one = len(ages) == 1
    if youngest > age:
        return f"{'it starts' if one else 'they start'} at age {youngest}"
    if oldest < age:
        return f"{'it is' if one else 'they are'} for ages up to {oldest}"
    # Some start above the age and some end below it (a single service that covers neither side is not hidden).
    return "some are for younger children and some for older"


def _not_eligible(session, form: SearchForm, district: str | None) -> frozenset[str]:
    """Services the router rules out for what the form tells us (the same evaluation as everywhere else)."""
    child = {"age": form.age_years, "district": district}
    if district is None and form.postcode.data and not form.postcode.errors:
        # A postcode that straddles districts still rules out what none of its districts gets.
        child["postcode"] = form.postcode.data
    facts = routing.read_record(session, {"child": {k: v for k, v in child.items() if v is not None}})
    results = routing.route(routing.get_cache(current_app).get(session), facts)
    return frozenset(str(r.service_id) for r in results if r.outcome == routing.NOT_ELIGIBLE)


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("public.search", **args)


def _pagination(results) -> dict | None:
    if results.pages <= 1:
        return None
    pages = sorted({1, results.pages, *range(max(1, results.page - 2), min(results.pages, results.page + 2) + 1)})
    items, previous = [], 0
    for number in pages:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": _page_url(number), "current": number == results.page})
        previous = number
    return {
        "previous": {"href": _page_url(results.page - 1)} if results.page > 1 else None,
        "next": {"href": _page_url(results.page + 1)} if results.page < results.pages else None,
        "items": items,
    }
