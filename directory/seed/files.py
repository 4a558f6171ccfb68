"""Read the seed files and check them: JSON syntax, the JSON Schema, then references between records.

Every problem is collected with the file, the record and the field, so a council can fix them all at once.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from directory import thesaurus
from directory.models.taxonomy import CATEGORIES, CONDITIONS, NEED_AREAS, REFERRER_ROLES, SEN_TYPES
from directory.rules import RuleError, validate_rule

FILES = {"places": "places.json", "taxonomies": "taxonomies.json", "services": "services.json",
         "thesaurus": "thesaurus.json"}
SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "seed_data" / "schema"
# The words used to name a record in an error message, by the list it sits in.
RECORD_NAMES = {
    "local_authorities": "local authority", "districts": "district", "taxonomies": "taxonomy",
    "terms": "term", "organisations": "organisation", "locations": "location", "services": "service",
    "phones": "phone", "contacts": "contact", "costs": "cost", "languages": "language",
}


class SeedError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class SeedData:
    places: dict
    taxonomies: dict
    services: dict
    thesaurus: dict


def load_seed(folder: str | Path) -> SeedData:
    """Read and check the seed files in `folder`; raise SeedError listing every problem."""
    folder = Path(folder)
    problems: list[str] = []
    documents = {}
    for key, filename in FILES.items():
        document, file_problems = _read_and_validate(folder / filename, SCHEMA_DIR / f"{key}.schema.json")
        documents[key] = document
        problems += file_problems
    places_ok = not any(p.startswith((FILES["places"], FILES["taxonomies"])) for p in problems)
    if places_ok and isinstance(documents["services"], dict):
        problems += check_references(documents["places"], documents["taxonomies"],
                                     _schema_valid_records(documents["services"], problems))
    if places_ok and not any(p.startswith(FILES["thesaurus"]) for p in problems):
        problems += thesaurus.check_entries(documents["thesaurus"]["groups"],
                                            *thesaurus.codes_in_taxonomies(documents["taxonomies"]))
    if problems:
        raise SeedError(problems)
    return SeedData(**documents)


def _read_and_validate(path: Path, schema_path: Path) -> tuple[dict | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{path.name}: file not found in {path.parent}"]
    except UnicodeDecodeError as error:
        return None, [f"{path.name}: not UTF-8 text ({error.reason} at byte {error.start})"]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [f"{path.name}: line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"]
    return document, _schema_problems(path.name, document, schema_path)


def _schema_problems(name: str, document, schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{name}: {_describe(document, error)}" for error in errors]


def validate_document(document: dict, name: str = "listing") -> list[str]:
    """Problems the services schema finds in a services document built in memory (a listing being changed)."""
    return _schema_problems(name, document, SCHEMA_DIR / "services.schema.json")


def _describe(document, error: jsonschema.ValidationError) -> str:
    """ "service "slt-north" (record 19): field "min_age": -1 is less than the minimum of 0" """
    where, field, node, parent_key = [], [], document, None
    for part in error.absolute_path:
        node = node[part]
        if isinstance(part, int):
            label = RECORD_NAMES.get(parent_key, "item")
            key = node.get("id") or node.get("slug") or node.get("code") if isinstance(node, dict) else None
            if field or not isinstance(node, dict):
                field.append(f"[{part + 1}]")
            else:
                where.append(f'{label} "{key}" (record {part + 1})' if key else f"{label} (record {part + 1})")
        else:
            field.append(("." if field else "") + part)
            parent_key = part
            if isinstance(node, list) and any(isinstance(item, dict) for item in node):
                field = []
    message = error.message
    if error.validator == "required":
        missing = message.split("'")[1]
        field.append(("." if field else "") + missing)
        message = "is missing"
    location = " > ".join(where) or "top level"
    field_text = f': field "{"".join(field)}"' if field else ""
    return f"{location}{field_text}: {message}"


@dataclass
class Known:
    """What a services file may refer to besides its own records: districts, authorities, taxonomy terms, and
    (when importing into a database) records already there, by their file id."""

    districts: set[str]
    local_authorities: set[str]
    terms: dict[str, set[str]]
    # (kind, file id) -> whether the database already holds that organisation, location or service.
    exists: Callable[[str, str], bool] = field(default=lambda kind, key: False)


def check_references(places: dict, taxonomies: dict, services: dict) -> list[str]:
    """Problems no schema can see in the three seed files: duplicates and references to nothing."""
    problems: list[str] = []
    district_slugs = _unique(
        "places.json", "district", [d["slug"] for la in places["local_authorities"] for d in la["districts"]],
        problems,
    )
    _unique("places.json", "local authority", [la["slug"] for la in places["local_authorities"]], problems)
    terms = {t["slug"]: {term["code"] for term in t["terms"]} for t in taxonomies["taxonomies"]}
    _unique("taxonomies.json", "taxonomy", [t["slug"] for t in taxonomies["taxonomies"]], problems)
    all_codes = set().union(*terms.values())
    for taxonomy in taxonomies["taxonomies"]:
        _unique(
            "taxonomies.json", f'term in taxonomy "{taxonomy["slug"]}"', [t["code"] for t in taxonomy["terms"]],
            problems,
        )
        for term in taxonomy["terms"]:
            if "parent" in term and term["parent"] not in all_codes:
                problems.append(
                    f'taxonomies.json: term "{term["code"]}": field "parent": "{term["parent"]}" is not a term'
                )
    known = Known(district_slugs, {la["slug"] for la in places["local_authorities"]}, terms)
    return problems + check_services("services.json", services, known)


def check_services(filename: str, services: dict, known: Known) -> list[str]:
    """Problems in a services file: duplicate ids, and references to records neither it nor `known` has."""
    problems: list[str] = []
    terms = dict(known.terms)
    for required in (CATEGORIES, NEED_AREAS, SEN_TYPES, REFERRER_ROLES, CONDITIONS):
        if required not in terms:
            problems.append(f'taxonomies: the taxonomy "{required}" is missing')
            terms[required] = set()
    organisations = _unique(filename, "organisation", [o["id"] for o in services["organisations"]], problems)
    locations = _unique(filename, "location", [x["id"] for x in services.get("locations", [])], problems)
    service_ids = _unique(filename, "service", [s["id"] for s in services["services"]], problems)
    relatable = service_ids | services.get("other_service_ids", set())
    _unique(filename, "service slug", [s.get("slug", s["id"]) for s in services["services"]], problems)
    allowed = {
        "organisation": organisations,
        "areas": known.districts,
        "categories": terms[CATEGORIES],
        "needs": terms[NEED_AREAS] | terms[SEN_TYPES],
        "referrers": terms[REFERRER_ROLES],
        "locations": locations,
    }
    in_database = {"organisation": "organisation", "locations": "location"}
    vocabulary = {
        "district": known.districts,
        "local_authority": known.local_authorities,
        "needs": terms[SEN_TYPES],
        "need_areas": terms[NEED_AREAS],
        "diagnoses": terms[CONDITIONS],
        "suspected": terms[CONDITIONS],
        "referrer_role": terms[REFERRER_ROLES],
    }
    for number, service in enumerate(services["services"], start=1):
        where = f'{filename}: service "{service["id"]}" (record {number})'
        for field_name, allowed_values in allowed.items():
            values = service.get(field_name, [])
            for value in [values] if isinstance(values, str) else values:
                kind = in_database.get(field_name)
                if value not in allowed_values and not (kind and known.exists(kind, value)):
                    problems.append(f'{where}: field "{field_name}": "{value}" is not known')
        if service["min_age"] > service["max_age"]:
            problems.append(f'{where}: field "min_age": {service["min_age"]} is more than max_age {service["max_age"]}')
        if "eligibility" in service:
            try:
                validate_rule(service["eligibility"], vocabulary)
            except RuleError as error:
                problems += [f'{where}: field "{problem.split(":", 1)[0]}":{problem.split(":", 1)[1]}'
                             for problem in error.problems]
        for i, relation in enumerate(service.get("relations", []), start=1):
            if relation["service"] not in relatable and not known.exists("service", relation["service"]):
                problems.append(f'{where}: field "relations[{i}].service": "{relation["service"]}" is not a service')
            elif relation["service"] == service["id"]:
                problems.append(f'{where}: field "relations[{i}].service": a service cannot relate to itself')
    return problems


def load_services_file(path: str | Path, known: Known) -> dict:
    """Read and check one services file for import; raise SeedError listing every problem."""
    document, problems = _read_and_validate(Path(path), SCHEMA_DIR / "services.schema.json")
    if document is not None and isinstance(document, dict):
        problems += check_services(Path(path).name, _schema_valid_records(document, problems), known)
    if problems:
        raise SeedError(problems)
    return document


def _schema_valid_records(document: dict, problems: list[str]) -> dict:
    """The records the schema found nothing wrong with, so reference checks can still run on them."""
    def ok(collection: str, record, number: int) -> bool:
        label = f'{RECORD_NAMES[collection]} "{record.get("id")}" (record {number})' if isinstance(record, dict) else ""
        return isinstance(record, dict) and "id" in record and not any(label in p for p in problems)

    out = {"format": document.get("format"), "other_service_ids": set()}
    for collection in ("organisations", "locations", "services"):
        records = document.get(collection, [])
        records = records if isinstance(records, list) else []
        if collection == "services":
            out[collection] = [r for n, r in enumerate(records, 1) if ok(collection, r, n)]
            # Faulty services are reported already; others may still relate to them.
            out["other_service_ids"] = {
                r["id"] for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)
            }
        else:  # every id stays known, so services referring to a faulty record are not reported twice
            out[collection] = [r for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)]
    return out


def _unique(filename: str, what: str, keys: list[str], problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            problems.append(f'{filename}: {what} "{key}" appears more than once')
        seen.add(key)
    return seen
