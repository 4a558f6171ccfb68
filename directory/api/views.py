"""The API's endpoints: read the parameters, call directory.oruk.publish, answer JSON (or NDJSON)."""

import uuid

import orjson
from flask import Response, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import NotFound

from directory import places
from directory.api import bp, params
from directory.api.openapi import openapi_document
from directory.data.service_search import PlaceCache
from directory.db import get_session
from directory.oruk import publish
from directory.postcodes import PostcodeError
from directory.search.sync import get_index


def _extension() -> bool:
    return not current_app.config.get("ORUK_STRICT")


def _searching() -> publish.Searching:
    # The search page's place cache: both read the same places, kept until the directory's revision changes.
    return publish.Searching(get_index(current_app), current_app.extensions.setdefault("search_places", PlaceCache()))


def _json(document) -> Response:
    # Compact UTF-8, fields in the order publish writes them (id first), not sorted. orjson writes a page of 50
    # full services (300 kB) in a tenth of the standard library's time, the same bytes.
    return Response(orjson.dumps(document), mimetype="application/json")


def _page(page: publish.Page):
    return _json(page.envelope())


def _ndjson(records) -> Response:
    # Built whole: the request's database session ends before a streamed body would be read.
    body = b"".join(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE) for record in records)
    return Response(body, mimetype="application/x-ndjson")


def _identifier(raw: str, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        # The address is not said back: it may hold anything.
        raise NotFound(f"No {kind} has this id: ids are UUIDs, like 3f7b145d-84af-42d7-8fae-eaca714b02b2") from None


def _found(record: dict | None, kind: str, raw: str):
    if record is None:
        abort(404, description=f"No {kind} has the id {uuid.UUID(raw)}")
    return _json(record)


def _service_filters(args) -> publish.ServiceFilters:
    # A minimum above the maximum is not refused: no service matches both, so the list is empty.
    minimum, maximum = params.age(args, "minimum_age"), params.age(args, "maximum_age")
    return publish.ServiceFilters(
        search=params.text(args, "search"),
        taxonomy_term_id=params.identifier(args, "taxonomy_term_id"),
        taxonomy_id=params.identifier(args, "taxonomy_id"),
        organization_id=params.identifier(args, "organization_id"),
        modified_after=params.moment(args, "modified_after"),
        minimum_age=minimum,
        maximum_age=maximum,
    )


@bp.get("/")
def api_details():
    return jsonify({"version": publish.VERSION, "profile": publish.PROFILE,
                    "openapi_url": url_for("api.openapi", _external=True)})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(url_for("api.api_details", _external=True).rstrip("/"),
                                    current_app.config["SERVICE_NAME"]))


@bp.get("/services")
def services():
    args = request.args
    filters = _service_filters(args)
    page, per_page = params.paging(args)
    full, minimal, output = params.boolean(args, "full"), params.boolean(args, "minimal"), params.output_format(args)
    full = full and not minimal  # minimal wins: it asks for less
    session = get_session()
    searching = _searching() if filters.search else None
    if output == "ndjson":
        return _ndjson(publish.every_service(session, filters, searching=searching, full=full, minimal=minimal,
                                            extension=_extension()))
    return _page(publish.list_services(session, filters, page, per_page, searching=searching, full=full,
                                       minimal=minimal, extension=_extension()))


@bp.get("/services/<raw_id>")
def service(raw_id: str):
    record = publish.get_service(get_session(), _identifier(raw_id, "service"), extension=_extension())
    return _found(record, "service", raw_id)


@bp.get("/service_at_locations")
def service_at_locations():
    args = request.args
    if params.text(args, "proximity") is not None:
        raise params.BadParameter("proximity", "proximity is not supported: the directory holds no coordinates "
                                               "for its services; use postcode to find services covering it")
    filters = _service_filters(args)
    page, per_page = params.paging(args)
    full, output = params.boolean(args, "full"), params.output_format(args)
    session = get_session()
    postcode = params.text(args, "postcode")
    if postcode is not None:
        try:
            lookup = places.resolve_postcode(session, postcode)
        except PostcodeError:
            raise params.BadParameter("postcode", "postcode must be a UK postcode, like ST16 2AB, or the first "
                                                  "part of one, like ST16") from None
        filters = publish.ServiceFilters(**{**vars(filters), "district_ids": tuple(d.id for d in lookup.districts)})
    searching = _searching() if filters.search else None
    if output == "ndjson":
        return _ndjson(publish.every_service_at_location(session, filters, searching=searching, full=full,
                                                         extension=_extension()))
    return _page(publish.list_service_at_locations(session, filters, page, per_page, searching=searching,
                                                   full=full, extension=_extension()))


@bp.get("/service_at_locations/<raw_id>")
def service_at_location(raw_id: str):
    record = publish.get_service_at_location(get_session(), _identifier(raw_id, "service_at_location"),
                                             extension=_extension())
    return _found(record, "service_at_location", raw_id)


@bp.get("/organizations")
def organizations():
    args = request.args
    search, (page, per_page) = params.text(args, "search"), params.paging(args)
    full, full_service = params.boolean(args, "full"), params.boolean(args, "full_service")
    output = params.output_format(args)
    session = get_session()
    if output == "ndjson":
        return _ndjson(publish.every_organisation(session, search=search, with_services=full,
                                                  full_services=full_service, extension=_extension()))
    return _page(publish.list_organisations(session, page, per_page, search=search, with_services=full,
                                            full_services=full_service, extension=_extension()))


@bp.get("/organizations/<raw_id>")
def organization(raw_id: str):
    full_service = params.boolean(request.args, "full_service")
    record = publish.get_organisation(get_session(), _identifier(raw_id, "organization"),
                                      full_services=full_service, extension=_extension())
    return _found(record, "organization", raw_id)


@bp.get("/taxonomies")
def taxonomies():
    args = request.args
    search, (page, per_page), output = params.text(args, "search"), params.paging(args), params.output_format(args)
    session = get_session()
    if output == "ndjson":
        return _ndjson(publish.every_taxonomy(session, search=search))
    return _page(publish.list_taxonomies(session, page, per_page, search=search))


@bp.get("/taxonomies/<raw_id>")
def taxonomy(raw_id: str):
    return _found(publish.get_taxonomy(get_session(), _identifier(raw_id, "taxonomy")), "taxonomy", raw_id)


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    args = request.args
    filters = publish.TermFilters(search=params.text(args, "search"),
                                  taxonomy_id=params.identifier(args, "taxonomy_id"),
                                  parent_id=params.identifier(args, "parent_id"),
                                  top_only=params.boolean(args, "top_only"))
    (page, per_page), output = params.paging(args), params.output_format(args)
    session = get_session()
    if output == "ndjson":
        return _ndjson(publish.every_term(session, filters))
    return _page(publish.list_terms(session, filters, page, per_page))


@bp.get("/taxonomy_terms/<raw_id>")
def taxonomy_term(raw_id: str):
    return _found(publish.get_term(get_session(), _identifier(raw_id, "taxonomy_term")), "taxonomy_term", raw_id)
