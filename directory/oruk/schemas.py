"""The Open Referral UK 3.0 JSON schemas, read from the package (never the network), and validators for them."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

SPECIFICATION = Path(__file__).resolve().parent / "specification-3.0"
SCHEMA_FOLDER = SPECIFICATION / "schema"
# The schemas' $refs name each other under this address; it is served from SCHEMA_FOLDER.
SCHEMA_BASE = "https://openreferraluk.org/specifications/3.0/schema/"


def schema_url(name: str) -> str:
    """"service" or "service.json" -> its address under SCHEMA_BASE."""
    return SCHEMA_BASE + (name if name.endswith(".json") else f"{name}.json")


@cache
def load_schema(name: str) -> dict:
    """One schema file's contents ("service" or "service.json")."""
    path = SCHEMA_FOLDER / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _retrieve(uri: str) -> Resource:
    if not uri.startswith(SCHEMA_BASE):
        raise NoSuchResource(ref=uri)  # the schemas refer to nothing else: never fetched
    name = uri[len(SCHEMA_BASE):]
    if "/" in name or not (SCHEMA_FOLDER / name).is_file():
        raise NoSuchResource(ref=uri)
    return Resource.from_contents(load_schema(name), default_specification=DRAFT202012)


@cache
def registry() -> Registry:
    """Every $ref under SCHEMA_BASE resolved from the package's files."""
    return Registry(retrieve=_retrieve)


@cache
def validator_for(schema_name: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for one ORUK schema ("service", "service_list", "api_details", ...), its $refs
    resolved offline, with format checking (uri, email, date-time, uuid: jsonschema[format-nongpl] supplies uri)."""
    return Draft202012Validator(
        {"$ref": schema_url(schema_name)},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(schema_name: str, document) -> list[str]:
    """Each way the document breaks the schema, as "path: message" (empty when it is valid)."""
    found = sorted(validator_for(schema_name).iter_errors(document), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}" for error in found]
