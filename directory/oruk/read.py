"""Open Referral UK 3.0 documents in, the directory's import format out: every document checked against the ORUK
schema (problems name the bad fields), then each service mapped to an import-format entry, with a list of what
could not be mapped. Pure: what it needs from the database comes in a `Vocabulary`.

How fields the directory needs but ORUK lacks are filled, in this order: the feed's own "send_directory"
extension (the directory's export, so a round trip is exact; a key it leaves out has no value); else, for a
service the database already holds, the value it has now (so an outside feed never wipes what a lead wrote);
else a safe default:

- `summary`: the description's first sentence, cut at a word to 200 characters;
- `how_to_refer`: DEFAULT_HOW_TO_REFER, a plain sentence; `referral_method` "none" (no referral through this site:
  the page tells people to contact the service, and nothing is sent to an address nobody reads);
  `accepting_referrals` true (with "none" it only stops the page saying "not taking new referrals");
- ages: `minimum_age`/`maximum_age`, else 0 to 25 (the SEND age range); a fractional age is rounded outwards;
- `areas`: `service_areas` matched to districts by name (case-insensitive) or slug; none matched: every district,
  reported (the directory needs at least one and the feed does not say which);
- categories, needs and referrers: `attributes[].taxonomy_term` matched to the directory's terms by term id, else
  by `code`, else by name (case-insensitive); the term's taxonomy says which list (service-categories:
  categories; need-areas, sen-types: needs; referrer-roles: referrers); others are reported. No category
  matched: DEFAULT_CATEGORY (reported). No need or referrer matched: the service's current ones;
- `assured_date`: ORUK `assured_date`, else the date of `last_modified`, else today (reported);
- contacts: `name` and `title`; a contact with a title only (the directory never publishes names) keeps the name
  the database holds when the titles are unchanged, else its title stands as its name;
- phones: the extension's `phones`, else a service's HSDS `phones` when present, else the current ones;
- `opening_hours`: the `schedules`' descriptions, one a line.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jsonschema

from directory.models.taxonomy import CATEGORIES, LINK_TYPES
from directory.oruk.publish import EXTENSION  # the directory's own fields, in import-format names and values
from directory.oruk.schemas import validator_for
from directory.seed.export import FORMAT

DEFAULT_HOW_TO_REFER = "Contact the service to ask how to get a referral."
DEFAULT_REFERRAL_METHOD = "none"
DEFAULT_CATEGORY = "information-and-advice"
DEFAULT_AGES = (0, 25)
LISTS = {"service-categories": "categories", "need-areas": "needs", "sen-types": "needs",
         "referrer-roles": "referrers"}
# The schema of each kind of document (named as the validator's files are).
SCHEMAS = {
    "service": "service.json", "service_list": "service_list.json", "organization": "organization.json",
    "organization_list": "organization_list.json", "service_at_location": "service_at_location.json",
    "service_at_location_list": "service_at_location_list.json", "taxonomy": "taxonomy.json",
    "taxonomy_list": "taxonomy_list.json", "taxonomy_term": "taxonomy_term.json",
    "taxonomy_term_list": "taxonomy_term_list.json", "api_details": "api_details.json",
}
_URL = re.compile(r"^https?://\S+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{5,20}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Term:
    id: str
    code: str
    name: str
    taxonomy: str  # the taxonomy's slug
    taxonomy_id: str


@dataclass
class Vocabulary:
    """What the mapping needs from the database."""

    terms: list[Term]
    districts: list[tuple[str, str]]  # (slug, name)
    # The import-format entry the database holds for a service id (lowercase UUID), or None.
    existing: Callable[[str], dict | None] = lambda service_id: None
    # The id of the service that has this slug, or None.
    slug_owner: Callable[[str], str | None] = lambda slug: None


@dataclass
class Source:
    """One ORUK document and where it came from (a file name or a URL); `kind` a key of SCHEMAS, or None to tell
    it from the file name or the document's shape."""

    name: str
    document: object
    kind: str | None = None


@dataclass
class Reading:
    document: dict  # the import format: {"format", "organisations", "locations", "services"}
    problems: list[str] = field(default_factory=list)  # the feed is refused when there are any
    not_mapped: list[str] = field(default_factory=list)  # reported; the rest is imported
    service_ids: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Checking against the ORUK schema


def schema_problems(source: str, kind: str, document) -> list[str]:
    """Each schema error as "SOURCE: WHERE: field "a.b": message", in document order."""
    errors = sorted(validator_for(SCHEMAS[kind]).iter_errors(document),
                    key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{source}: {_describe(document, error)}" for error in errors]


def _describe(document, error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    where, node = [], document
    # A list page's item is named by its number and id, so the council can find it.
    if len(path) >= 2 and path[0] == "contents" and isinstance(path[1], int):
        node = document["contents"][path[1]]
        label = node.get("id") if isinstance(node, dict) else None
        where.append(f'item {path[1] + 1} of contents' + (f' (id "{label}")' if label else ""))
        path = path[2:]
    elif isinstance(document, dict) and document.get("id"):
        where.append(f'id "{document["id"]}"')
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    message = error.message
    if error.validator == "required":
        missing = message.split("'")[1]
        text += ("." if text else "") + missing
        message = "is missing"
    elif error.validator == "format":
        message = f"{error.instance!r} is not a valid {error.validator_value}"
    location = ", ".join(where) or "top level"
    return f'{location}: field "{text}": {message}' if text else f"{location}: {message}"


def kind_of(name: str, document) -> str | None:
    """The kind of an ORUK document: from its file name when that names one (service_full.json), else its shape."""
    stem = Path(name.split("?")[0]).stem.removesuffix("_full")
    if stem in SCHEMAS:
        return stem
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("contents"), list):
        kinds = {kind_of("", item) for item in document["contents"]}
        if not kinds:
            return "service_list"  # an empty page: any list's schema says the same
        return f"{kinds.pop()}_list" if len(kinds) == 1 and None not in kinds else None
    if "openapi_url" in document or ("version" in document and "profile" in document):
        return "api_details"
    if "location" in document and "service" in document:
        return "service_at_location"
    if "status" in document or "service_at_locations" in document:
        return "service"
    if "taxonomy_terms" in document:
        return "taxonomy"
    if {"taxonomy_id", "term", "taxonomy", "parent_id", "term_uri"} & set(document):
        return "taxonomy_term"
    if {"services", "website", "organization_identifiers", "logo"} & set(document) or {"name", "description"} <= \
            set(document):
        return "organization"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Reading a feed


def read_feed(sources: list[Source], vocabulary: Vocabulary, today: date) -> Reading:
    """Check every document, then map its services (with their organisations and locations)."""
    reading = Reading(document={"format": FORMAT, "organisations": [], "locations": [], "services": []})
    found = _Found()
    for source in sources:
        kind = source.kind or kind_of(source.name, source.document)
        if kind is None:
            reading.problems.append(f"{source.name}: not an Open Referral UK 3.0 document (a service, a page of "
                                    "services, an organisation, a taxonomy or a taxonomy term)")
            continue
        problems = schema_problems(source.name, kind, source.document)
        reading.problems += problems or found.add(kind, source.name, source.document)
    if reading.problems:
        return reading
    _Mapper(vocabulary, today, found, reading).run()
    return reading


@dataclass
class _Found:
    # service id -> (rank, source, service, organisation id from a parent document); lower ranks are fuller
    services: dict = field(default_factory=dict)
    organisations: dict = field(default_factory=dict)  # id -> organisation
    terms: dict = field(default_factory=dict)  # id -> taxonomy term
    order: list = field(default_factory=list)

    def add(self, kind: str, name: str, document: dict) -> list[str]:
        """Take the document's services, organisations and terms; the problems of services nested where the
        schema does not look (an organisation's services, a service at a location's service)."""
        items = document["contents"] if kind.endswith("_list") else [document]
        kind = kind.removesuffix("_list")
        problems = []

        def nested(service, where: str) -> bool:
            found = schema_problems(f"{name} ({where})", "service", service)
            problems.extend(found)
            return not found

        for number, item in enumerate(items, start=1):
            where = f"item {number} of contents, " if "contents" in document else ""
            if kind == "service":
                self.service(1 if "contents" in document else 0, name, item)
            elif kind == "organization":
                self.organisation(item)
                for index, service in enumerate(item.get("services") or [], start=1):
                    if nested(service, f"{where}service {index} of the organisation"):
                        self.service(2, name, service, item["id"])
            elif kind == "service_at_location" and "service" in item:
                service = item["service"]
                if nested(service, f"{where}its service"):
                    service = dict(service)
                    if isinstance(item.get("location"), dict) and "service_at_locations" not in service:
                        service["service_at_locations"] = [{"id": item["id"], "location": item["location"]}]
                    self.service(3, name, service)
            elif kind == "taxonomy":
                for term in item.get("taxonomy_terms") or []:
                    self.terms.setdefault(term["id"].lower(), {**term, "taxonomy_id": item["id"]})
            elif kind == "taxonomy_term":
                self.terms.setdefault(item["id"].lower(), item)
        return problems

    def organisation(self, organisation: dict) -> None:
        if isinstance(organisation, dict) and organisation.get("id"):
            self.organisations.setdefault(organisation["id"].lower(), organisation)

    def service(self, rank: int, name: str, service: dict, organisation_id: str | None = None) -> None:
        service_id = service["id"].lower()
        self.organisation(service.get("organization"))
        organisation_id = organisation_id or (service.get("organization") or {}).get("id") \
            or service.get("organization_id")
        held = self.services.get(service_id)
        if held is None:
            self.order.append(service_id)
        if held is None or rank < held[0]:
            self.services[service_id] = (rank, name, service, organisation_id or (held[3] if held else None))
        elif not held[3] and organisation_id:
            self.services[service_id] = (*held[:3], organisation_id)


class _Mapper:
    def __init__(self, vocabulary: Vocabulary, today: date, found: _Found, reading: Reading):
        self.vocabulary, self.today, self.found, self.reading = vocabulary, today, found, reading
        self.locations: dict[str, dict] = {}
        self.organisations: dict[str, dict] = {}
        self.slugs: set[str] = set()
        by_id, by_code, by_name = {}, {}, {}
        for term in vocabulary.terms:
            by_id[term.id.lower()] = term
            by_code.setdefault(term.code.lower(), []).append(term)
            by_name.setdefault(term.name.strip().lower(), []).append(term)
        self.terms = (by_id, by_code, by_name)
        self.districts = {}
        for slug, name in vocabulary.districts:
            self.districts[slug.lower()] = slug
            self.districts.setdefault(name.strip().lower(), slug)

    def note(self, where: str, text: str) -> None:
        self.reading.not_mapped.append(f"{where}: {text}")

    def run(self) -> None:
        for organisation_id, organisation in self.found.organisations.items():
            self.organisations[organisation_id] = self.organisation(organisation)
        services = []
        for service_id in self.found.order:
            _, source, service, organisation_id = self.found.services[service_id]
            entry = self.service(source, service, organisation_id)
            if entry is not None:
                services.append(entry)
        document = self.reading.document
        document["organisations"] = list(self.organisations.values())
        document["locations"] = list(self.locations.values())
        document["services"] = services
        self.reading.service_ids = [entry["id"] for entry in services]

    def organisation(self, organisation: dict) -> dict:
        where = f'organisation "{organisation.get("name") or organisation["id"]}"'
        entry = {"id": organisation["id"].lower(), "name": organisation["name"],
                 "description": organisation["description"]}
        if not entry["description"].strip():
            entry["description"] = organisation["name"]
            self.note(where, "no description: its name is used")
        if organisation.get("website"):
            if _URL.match(organisation["website"]):
                entry["website"] = organisation["website"]
            else:
                self.note(where, f'website {organisation["website"]!r} is not a web address (http or https)')
        if organisation.get("email"):
            entry["email"] = organisation["email"]
        return entry

    def service(self, source: str, service: dict, organisation_id: str | None) -> dict | None:
        service_id = service["id"].lower()
        where = f'{source}: service "{service.get("name", service_id)}" ({service_id})'
        if not organisation_id:
            self.reading.problems.append(f'{where}: field "organization_id" is missing: the directory needs the '
                                         "organisation that runs each service")
            return None
        extension = service.get(EXTENSION) if isinstance(service.get(EXTENSION), dict) else {}
        existing = self.vocabulary.existing(service_id) or {}

        def carried(key: str, default):
            """The extension's value (it leaves out what has no value), else the database's, else the default."""
            if extension:
                return extension.get(key, default)
            return existing.get(key, default)

        entry: dict = {"id": service_id, "organisation": organisation_id.lower(), "name": service["name"]}
        slug = carried("slug", None)
        if isinstance(slug, str) and self.vocabulary.slug_owner(slug) not in (None, service_id):
            self.note(where, f'the address "{slug}" belongs to another service: a new one is made')
            slug = None
        entry["slug"] = slug or self.new_slug(service["name"], service_id)
        if isinstance(entry["slug"], str):
            self.slugs.add(entry["slug"])
        description = service.get("description")
        if description is not None:
            entry["description"] = description
        entry["summary"] = carried("summary", None) or _summary(description or service["name"])
        entry["status"] = service["status"]
        if service.get("url"):
            if _URL.match(service["url"]):
                entry["url"] = service["url"]
            else:
                self.note(where, f'url {service["url"]!r} is not a web address (http or https)')
        if service.get("email"):
            entry["email"] = service["email"]
        self.ages(service, entry, existing)
        entry["areas"] = self.areas(where, service, existing)
        lists = self.attributes(where, service)
        entry["categories"] = lists["categories"] or existing.get("categories") or self.default_category(where)
        entry["needs"] = lists["needs"] or existing.get("needs", [])
        entry["referrers"] = lists["referrers"] or existing.get("referrers", [])
        entry["how_to_refer"] = carried("how_to_refer", DEFAULT_HOW_TO_REFER)
        entry["accepting_referrals"] = carried("accepting_referrals", True)
        entry["referral_method"] = carried("referral_method", DEFAULT_REFERRAL_METHOD)
        for key in ("response_target_days", "waiting_time", "eligibility", "relations"):
            value = carried(key, None)
            if value not in (None, []):
                entry[key] = value
        entry["assured_date"] = self.assured_date(where, service, existing)
        phones = extension.get("phones", []) if extension else self.phones(where, service, existing)
        contacts = self.contacts(where, service, existing)
        costs = self.costs(where, service)
        languages = self.languages(where, service)
        hours = self.opening_hours(where, service)
        locations = self.service_locations(where, service)
        for key, value in (("phones", phones), ("contacts", contacts), ("costs", costs), ("languages", languages),
                           ("opening_hours", hours), ("locations", locations)):
            if value:
                entry[key] = value
        return entry

    def new_slug(self, name: str, service_id: str) -> str:
        base = (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:90] or "service").strip("-")
        if len(base) < 2:
            base = f"service-{base}".strip("-")
        for slug in (base, f"{base}-{service_id[:8]}", service_id):
            owner = self.vocabulary.slug_owner(slug)
            if slug not in self.slugs and owner in (None, service_id):
                return slug
        return service_id

    def ages(self, service: dict, entry: dict, existing: dict) -> None:
        low, high = service.get("minimum_age"), service.get("maximum_age")
        default_low, default_high = (existing["min_age"], existing["max_age"]) if existing else DEFAULT_AGES
        entry["min_age"] = int(low // 1) if low is not None else default_low
        entry["max_age"] = -int(-high // 1) if high is not None else max(default_high, entry["min_age"])

    def areas(self, where: str, service: dict, existing: dict) -> list[str]:
        slugs, missed = [], []
        for area in service.get("service_areas") or []:
            names = [area.get("name"), area.get("service_area")]
            slug = next((self.districts[n.strip().lower()] for n in names
                         if isinstance(n, str) and n.strip().lower() in self.districts), None)
            if slug is None:
                missed.append(area.get("name") or area.get("service_area") or area["id"])
            elif slug not in slugs:
                slugs.append(slug)
        for name in missed:
            self.note(where, f"service area {_short(name)!r} is not a district")
        if slugs:
            return sorted(slugs)
        if existing.get("areas"):
            return existing["areas"]
        self.note(where, "no service area is a district: listed in every district")
        return sorted(slug for slug, _ in self.vocabulary.districts)

    def attributes(self, where: str, service: dict) -> dict[str, list[str]]:
        lists: dict[str, list[str]] = {"categories": [], "needs": [], "referrers": []}
        for attribute in service.get("attributes") or []:
            term = attribute.get("taxonomy_term") or {}
            term_id = (term.get("id") or attribute.get("taxonomy_term_id") or "").lower()
            term = {**self.found.terms.get(term_id, {}), **term}
            match = self.match_term(term_id, term)
            label = term.get("name") or term.get("code") or term_id or attribute["id"]
            if match is None:
                self.note(where, f"taxonomy term {label!r} matches no category, need or referrer")
                continue
            target = LISTS.get(match.taxonomy)
            if target is None:
                self.note(where, f"taxonomy term {label!r} is a {match.taxonomy} term: services do not link to it")
            elif match.code not in lists[target]:
                lists[target].append(match.code)
        return lists  # in the feed's order: a service's first category is its main one

    def match_term(self, term_id: str, term: dict) -> Term | None:
        by_id, by_code, by_name = self.terms
        if term_id in by_id:
            return by_id[term_id]
        taxonomy_id = (term.get("taxonomy_id") or "").lower()
        for index, key in ((by_code, term.get("code")), (by_name, term.get("name"))):
            if not isinstance(key, str):
                continue
            candidates = [t for t in index.get(key.strip().lower(), []) if t.taxonomy in LINK_TYPES]
            if taxonomy_id and any(t.taxonomy_id.lower() == taxonomy_id for t in candidates):
                candidates = [t for t in candidates if t.taxonomy_id.lower() == taxonomy_id]
            if candidates:
                return candidates[0]
        return None

    def default_category(self, where: str) -> list[str]:
        codes = [t.code for t in self.vocabulary.terms if t.taxonomy == CATEGORIES]
        code = DEFAULT_CATEGORY if DEFAULT_CATEGORY in codes else (codes[0] if codes else DEFAULT_CATEGORY)
        self.note(where, f'no taxonomy term matches a category: listed under "{code}"')
        return [code]

    def assured_date(self, where: str, service: dict, existing: dict) -> str:
        for key in ("assured_date", "last_modified"):
            value = service.get(key)
            if isinstance(value, str) and _DATE.match(value):
                try:
                    return date.fromisoformat(value[:10]).isoformat()
                except ValueError:
                    self.note(where, f"{key} {value!r} is not a date")
        if existing.get("assured_date"):
            return existing["assured_date"]
        self.note(where, "no assured_date or last_modified: the import date is used")
        return self.today.isoformat()

    def phones(self, where: str, service: dict, existing: dict) -> list[dict]:
        if "phones" not in service:
            return existing.get("phones", [])
        phones = []
        for phone in service.get("phones") or []:
            number = phone.get("number") if isinstance(phone, dict) else None
            if isinstance(number, str) and _PHONE.match(number.strip()):
                phones.append(_present({"number": number.strip(), "description": phone.get("description")}))
            else:
                self.note(where, f"phone {number!r} is not a phone number")
        return phones

    def contacts(self, where: str, service: dict, existing: dict) -> list[dict]:
        given = [c for c in service.get("contacts") or [] if c.get("name") or c.get("title")]
        if len(given) < len(service.get("contacts") or []):
            self.note(where, "a contact with neither name nor title is left out")
        held = existing.get("contacts", [])
        if given and not any(c.get("name") for c in given) and \
                [c.get("title") for c in given] == [c.get("title") for c in held]:
            return held  # a published listing never carries names: keep the ones the database holds
        return [_present({"name": c.get("name") or c["title"], "title": c.get("title")}) for c in given]

    def costs(self, where: str, service: dict) -> list[dict]:
        costs = []
        for cost in service.get("cost_options") or []:
            option = cost.get("option") or cost.get("amount_description")
            if not option or not option.strip():
                self.note(where, f'cost option {cost["id"]} has no option or amount_description: left out')
                continue
            amount = cost.get("amount")
            if amount is not None and amount < 0:
                self.note(where, f"cost option {option!r}: a negative amount is left out")
                amount = None
            costs.append(_present({"option": option, "amount": amount,
                                   "amount_description": cost.get("amount_description")}))
        return costs

    def languages(self, where: str, service: dict) -> list[dict]:
        languages = []
        for language in service.get("languages") or []:
            name = language.get("name")
            if not isinstance(name, str) or not name.strip():
                self.note(where, f'language {language["id"]} has no name: left out')
                continue
            code = language.get("code")
            if code is not None and not (isinstance(code, str) and _LANGUAGE_CODE.match(code)):
                self.note(where, f"language {name!r}: code {code!r} is not an ISO 639 code")
                code = None
            languages.append(_present({"name": name, "code": code, "note": language.get("note")}))
        return languages

    def opening_hours(self, where: str, service: dict) -> str | None:
        lines = []
        for schedule in service.get("schedules") or []:
            text = schedule.get("description")
            if isinstance(text, str) and text.strip():
                lines.append(text)
            else:
                self.note(where, f'schedule {schedule["id"]} has no description: only descriptions are kept')
        return "\n".join(lines) or None

    def service_locations(self, where: str, service: dict) -> list[str]:
        ids = []
        for at in service.get("service_at_locations") or []:
            location = at.get("location")
            if not isinstance(location, dict):
                self.note(where, f'service at location {at["id"]} has no nested location: left out')
                continue
            location_id = location["id"].lower()
            if location_id not in self.locations:
                entry = self.location(where, location)
                if entry is None:
                    continue
                self.locations[location_id] = entry
            if location_id not in ids:
                ids.append(location_id)
        return sorted(ids)

    def location(self, where: str, location: dict) -> dict | None:
        addresses = sorted(location.get("addresses") or [], key=lambda a: a.get("address_type") != "physical")
        label = location.get("name") or location["id"]
        if not addresses:
            self.note(where, f"location {label!r} has no address: left out")
            return None
        address = addresses[0]
        country = (address.get("country") or "").strip().upper()
        if country and not re.match(r"^[A-Z]{2}$", country):
            self.note(where, f"location {label!r}: country {address['country']!r} is not a two-letter code")
            country = ""
        lines = {"address_1": address["address_1"], "address_2": address.get("address_2"), "city": address["city"],
                 "state_province": address.get("state_province"), "postal_code": address["postal_code"],
                 "country": country or None}
        entry = {"id": location["id"].lower(), "name": location.get("name") or address["address_1"],
                 "description": location.get("description"), "address": _present(lines)}
        for key, limit in (("latitude", 90), ("longitude", 180)):
            value = location.get(key)
            if value is not None and -limit <= value <= limit:
                entry[key] = value
            elif value is not None:
                self.note(where, f"location {label!r}: {key} {value} is out of range: left out")
        accessibility = [a.get("description") or a.get("accessibility") for a in location.get("accessibility") or []]
        entry["accessibility"] = sorted(text for text in accessibility if isinstance(text, str) and text.strip())
        return _present(entry)


def _present(record: dict) -> dict:
    """Left out: None, "" and [] (the import format has no nulls for optional fields)."""
    return {key: value for key, value in record.items() if value not in (None, "", [])}


def _summary(description: str) -> str:
    text = " ".join(description.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) <= 200:
        return sentence
    cut = sentence[:199].rsplit(" ", 1)[0]
    return cut + "…"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
