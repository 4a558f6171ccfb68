"""Public views: start page, browse by category, need or area, and service pages. Thin: the data layer does the work."""

from flask import abort, current_app, redirect, render_template, request, url_for

from directory import places, readiness, reference_cache
from directory.data import services as service_data
from directory.data import taxonomy
from directory.db import get_database, get_session
from directory.models.taxonomy import CATEGORIES, NEED_AREAS, SEN_TYPES
from directory.search.sync import get_index
from directory.web.public import bp, service_page
from directory.web.public.forms import DistrictForm, PostcodeForm
from directory.web.public.search_forms import SearchForm


@bp.get("/")
def start():
    session = get_session()
    return render_template(
        "public/start.html",
        local_authorities=reference_cache.cached(
            "local-authorities", session, lambda s: reference_cache.detached(s, places.list_local_authorities(s))),
        categories=taxonomy.kept_terms(session, CATEGORIES),
        form=PostcodeForm(formdata=None),
        search_form=SearchForm(formdata=None),
    )


@bp.get("/categories")
def categories():
    session = get_session()
    terms = taxonomy.list_terms(session, CATEGORIES)
    counts = taxonomy.active_service_counts(session, [term.id for term in terms])
    return render_template("public/categories.html", terms=[t for t in terms if counts.get(t.id)], counts=counts)


@bp.get("/categories/<code>")
def category(code: str):
    session = get_session()
    term = taxonomy.get_term(session, (CATEGORIES,), code)
    if term is None or term.code != code:
        abort(404)
    listings = service_data.services_linked_to(session, [term.id])
    parent = {"text": "Types of help", "href": url_for("public.categories")}
    return render_template("public/term.html", term=term, listings=listings, parent=parent)


@bp.get("/needs")
def needs():
    session = get_session()
    areas = taxonomy.list_terms(session, NEED_AREAS)
    types_by_area = {area.id: taxonomy.child_terms(session, area) for area in areas}
    other = [t for t in taxonomy.list_terms(session, SEN_TYPES) if t.parent_id is None]
    return render_template("public/needs.html", areas=areas, types_by_area=types_by_area, other=other)


@bp.get("/needs/<code>")
def need(code: str):
    session = get_session()
    term = taxonomy.get_term(session, (NEED_AREAS, SEN_TYPES), code)
    if term is None or term.code.lower() != code:
        abort(404)
    # A service for a whole area of need serves each type within it, and a type belongs to its area.
    related = [term.id, *(child.id for child in taxonomy.child_terms(session, term))]
    if term.parent_id:
        related.append(term.parent_id)
    listings = service_data.services_linked_to(session, related)
    parent = {"text": "Find help by need", "href": url_for("public.needs")}
    return render_template("public/term.html", term=term, listings=listings, parent=parent)


@bp.get("/services")
def services():
    return render_template("public/services.html", listings=service_data.all_services(get_session()))


@bp.get("/services/<slug>")
def service(slug: str):
    session = get_session()
    shown = service_page.shown_service(session, slug)
    if shown is None:
        abort(404)
    return render_template("public/service.html", page=shown.page,
                           main=service_page.main_content(session, slug, shown))


@bp.get("/find-by-area")
def find_by_area():
    session = get_session()
    form = PostcodeForm(request.args, meta={"csrf": False})
    lookup = None
    if "postcode" in request.args and form.validate():
        lookup = places.resolve_postcode(session, form.postcode.data)
        if lookup.status == places.FOUND:
            return redirect(url_for("public.area", slug=lookup.district.slug))
        if lookup.status == places.AMBIGUOUS:
            return redirect(url_for("public.choose_area", postcode=lookup.postcode))
    return render_template(
        "public/find-by-area.html", form=form, lookup=lookup, districts=places.list_districts(session)
    )


@bp.get("/find-by-area/choose-area")
def choose_area():
    session = get_session()
    postcode_form = PostcodeForm(request.args, meta={"csrf": False})
    if not postcode_form.validate():
        return redirect(url_for("public.find_by_area"))
    lookup = places.resolve_postcode(session, postcode_form.postcode.data)
    if lookup.status != places.AMBIGUOUS:
        return redirect(url_for("public.find_by_area", postcode=lookup.postcode))
    form = DistrictForm(request.args, meta={"csrf": False})
    form.district.choices = [(d.slug, d.name) for d in lookup.districts]
    if "district" in request.args and form.validate():
        return redirect(url_for("public.area", slug=form.district.data))
    return render_template("public/choose-area.html", form=form, lookup=lookup)


@bp.get("/areas/<slug>")
def area(slug: str):
    session = get_session()
    district = places.get_district(session, slug)
    if district is None:
        abort(404)
    listings = service_data.services_in_district(session, district)
    categories = service_data.categories_of(session, [listing.service.id for listing in listings])
    # Each service appears once, under its first (main) category.
    groups = []
    for term in taxonomy.list_terms(session, CATEGORIES):
        members = [x for x in listings if categories.get(x.service.id) and categories[x.service.id][0].id == term.id]
        if members:
            groups.append((term, members))
    return render_template(
        "public/area.html",
        district=district,
        local_authority=places.local_authority_of(session, district),
        groups=groups,
        count=len(listings),
    )


@bp.get("/health")
def health():
    """For load balancers and monitoring: the app answers (it does not touch the database)."""
    return {"status": "ok"}


@bp.get("/health/ready")
def health_ready():
    """For load balancers: 503 when this server cannot answer (no database, no search index); otherwise 200, with
    the index's lag and the outbox's backlog for monitoring. Counts and ages only: nothing personal."""
    ready, report = readiness.readiness(get_database(current_app).session_factory, get_index(current_app))
    return report, 200 if ready else 503


@bp.get("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")
