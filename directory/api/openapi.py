"""The API's own OpenAPI description: the ORUK 3.0 one (directory/oruk/specification-3.0/openapi.json) with its
schemas bundled into components (it works offline), this site's server, the parameters it adds, and its error
answers (400, 404, 429) documented. Built once per base URL and kept."""

import copy
import json
from functools import lru_cache

from directory.api.params import MAX_PAGE, MAX_TEXT
from directory.oruk.publish import MAX_PER_PAGE, VERSION
from directory.oruk.schemas import SCHEMA_BASE, SPECIFICATION, load_schema

# What OpenAPI 3.0 schema objects may hold; the ORUK files' data-package notes (name, path, constraints, core...)
# are left out so that OpenAPI tools accept the description.
SCHEMA_KEYWORDS = {
    "type", "properties", "items", "required", "enum", "format", "description", "title", "example", "allOf",
    "anyOf", "oneOf", "not", "additionalProperties", "$ref", "minimum", "maximum", "default", "pattern",
    "minItems", "maxItems", "minLength", "maxLength", "uniqueItems", "nullable",
}
# What directory.postcodes reads: a full UK postcode or its outward code alone, in any case, spaced or not.
POSTCODE_PATTERN = r"^ *[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *([0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})? *$"
ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong. Every error inside /api is JSON like this.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status", "example": 400},
        "error": {"type": "string", "description": "The status's name", "example": "Bad Request"},
        "message": {"type": "string", "description": "What was wrong, naming the parameter",
                    "example": "page must be a whole number from 1 to 1000000"},
        "parameter": {"type": "string", "description": "The query parameter that was wrong (400 only)",
                      "example": "page"},
    },
    "required": ["status", "error", "message"],
}
EXTRA_PARAMETERS = {
    "minimum_age": {
        "name": "minimum_age", "in": "query", "required": False,
        "description": "Services whose minimum age is at least this (years), as in the ORUK UK profile.",
        "schema": {"type": "number", "minimum": 0, "maximum": 150},
    },
    "maximum_age": {
        "name": "maximum_age", "in": "query", "required": False,
        "description": "Services whose maximum age is at most this (years), as in the ORUK UK profile.",
        "schema": {"type": "number", "minimum": 0, "maximum": 150},
    },
}
EXPLAINED = {
    "per_page": f"Number of results in a page: 1 to {MAX_PER_PAGE} (a larger number gives {MAX_PER_PAGE}); "
                "50 when not given.",
    "page": "Page number, from 1. A page after the last is empty.",
    "search": "Full-text search, ranked as the site's own search ranks it (services); names contain the words "
              "(organizations, taxonomies, taxonomy terms).",
    "minimal": "Services with just id, name, status and last_modified (the list schema requires name and status).",
    "modified_after": "Return results modified on or after this date-time (ISO 8601; UTC unless it says; a date "
                      "alone means its midnight).",
    "proximity": "Not supported: the directory holds no coordinates for its services, so any value is refused "
                 "with 400.",
    "postcode": "A UK postcode, or its first part (ST16): services whose service areas cover it.",
    "format": "json (default), or ndjson: every result, one JSON object a line, without pages.",
}


def _clean(schema):
    """An OpenAPI 3.0 schema object from an ORUK schema file: references point into components."""
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        elif key == "$ref":
            out[key] = _component_ref(value)
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = _clean(value)
        else:
            out[key] = value
    return out


def _component_ref(ref: str) -> str:
    if ref.startswith(SCHEMA_BASE):
        return "#/components/schemas/" + ref[len(SCHEMA_BASE):].removesuffix(".json")
    return ref


def _referenced(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_BASE):
            name = ref[len(SCHEMA_BASE):].removesuffix(".json")
            if name not in found:
                found.add(name)
                _referenced(load_schema(name), found)
        for value in node.values():
            _referenced(value, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, found)


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


@lru_cache(maxsize=8)
def _document(base_url: str, service_name: str) -> str:
    spec = json.loads((SPECIFICATION / "openapi.json").read_text(encoding="utf-8"))
    names: set[str] = set()
    _referenced(spec["paths"], names)
    spec["info"] = {
        "title": f"{service_name}: Open Referral UK 3.0 API",
        "version": VERSION,
        "description": (
            "The SEND service directory published to the Open Referral UK 3.0 profile (HSDS-UK-3.0). Read-only, "
            "open to all (Access-Control-Allow-Origin: *). Each client may make a limited number of requests a "
            "minute; over it, 429 with Retry-After. Responses carry an ETag and Last-Modified from the "
            "directory's revision: send If-None-Match to get 304 when nothing changed. Services carry one "
            "extension object, send_directory, with the SEND fields ORUK has no place for (left out when the "
            "site runs with ORUK_STRICT=1). No personal data is published: contacts by role only."),
        "license": {"name": "Creative Commons Attribution Share-Alike 4.0 license",
                    "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
        "x-hsds-version": VERSION,
    }
    spec["x-hsds-version"] = VERSION
    spec["servers"] = [{"url": base_url}]
    spec.pop("jsonSchemaDialect", None)  # an OpenAPI 3.1 field; this description is 3.0
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in sorted(names):
        schemas[name] = _clean(load_schema(name))
    schemas["Error"] = ERROR_SCHEMA
    parameters = components.setdefault("parameters", {})
    parameters.update(copy.deepcopy(EXTRA_PARAMETERS))
    for name, text in EXPLAINED.items():
        parameters[name]["description"] = text
    # The schemas say exactly what is accepted: any value they allow gets an answer, never a 400.
    parameters["per_page"]["schema"] = {"type": "integer", "minimum": 1}
    parameters["page"]["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    parameters["modified_after"]["schema"] = {"type": "string", "format": "date-time"}
    parameters["format"]["schema"] = {"type": "string", "enum": ["json", "ndjson"]}
    parameters["search"]["schema"] = {"type": "string", "maxLength": MAX_TEXT}
    parameters["postcode"]["schema"] = {"type": "string", "maxLength": MAX_TEXT, "pattern": POSTCODE_PATTERN}
    # Any value of proximity is refused (400): no value can be generated for it.
    parameters["proximity"]["schema"] = {"type": "string", "not": {}}
    for name in ("taxonomy_term_id", "taxonomy_id", "organization_id"):
        parameters[name]["schema"] = {"type": "string", "format": "uuid"}
    for path, item in spec["paths"].items():
        operation = item["get"]
        operation.pop("name", None)  # not an OpenAPI field
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            parameter.pop("summary", None)
            if parameter.get("name") == "parent_id":
                parameter["schema"] = {"type": "string", "format": "uuid"}
            if parameter.get("name") == "top_only":
                parameter["description"] = "Only terms at the top of their taxonomy (with no parent)."
        if path in ("/services", "/service_at_locations"):
            operation["parameters"] += [{"$ref": "#/components/parameters/minimum_age"},
                                        {"$ref": "#/components/parameters/maximum_age"}]
        responses = operation["responses"]
        for content in responses["200"].get("content", {}).values():
            if "schema" in content:
                content["schema"] = _clean(content["schema"])
        if any(p.get("$ref", "").endswith("/format") for p in operation.get("parameters", [])):
            responses["200"]["content"]["application/x-ndjson"] = {
                "schema": {"type": "string", "description": "format=ndjson: one JSON object a line"}}
        if operation.get("parameters"):
            responses["400"] = _error_response("A query parameter cannot be used; the message names it.")
        if "{id}" in path:
            responses["404"] = _error_response("Nothing published has this id.")
        responses["304"] = {"description": "Not modified: the If-None-Match ETag is the current one."}
        responses["429"] = _error_response("Too many requests from this client; wait Retry-After seconds.")
    return json.dumps(spec)


def openapi_document(base_url: str, service_name: str = "SEND service directory") -> dict:
    """The description, its server being base_url (the absolute address of /api)."""
    return json.loads(_document(base_url, service_name))
