"""The attacker's walk: every route in the URL map, as every kind of user, with ids each may and may not see, with
plausible and hostile values; counts what was allowed and refused, and finds leaks and server errors.

The world: two families, A and B, each with a completed record (planted with unique marker values) and a sent
referral; a key worker for each; a lead of A's service and a lead of another service (B's); an admin; someone in
information governance (who may find and export any family: subject access); and a key worker with a second
factor, half signed in (password given, code not yet). Routes are
read from `app.url_map`, so a new route is walked without a change here. Every request runs inside a savepoint
that is rolled back afterwards (`isolate`), so every request meets the same world, and each user's cookies are
put back after each request (a POST to /sign-out or /create-account does not change who the next request is).

A leak is a page, given to someone who may not see a family, that holds one of that family's marker values, or
any page (2xx) at an address with that family's record, referral or service referral id. A planted or posted
script that comes back unescaped is a leak too.
"""

import itertools
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pyotp
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, UUIDConverter

from directory import two_factor
from directory.models import FamilyAccess, FamilyRecord, Service, ServiceReferral
from tests.helpers.people import PASSWORD, make_user, sign_in
from tests.helpers.records import CHILD, NEEDS, PEOPLE, STORY, complete_record, new_record
from tests.security.hostile import HOSTILE, SCRIPT, UNESCAPED

# "half_signed_in": a key worker with a second factor who has given the right password but no code yet.
ROLES = ("anonymous", "family_a", "family_b", "key_worker_a", "key_worker_b", "lead_a", "lead_b", "admin",
         "governance", "half_signed_in")
# Information governance answers subject access requests: it may see every family, on its own pages only (role ->
# the path they start with); anywhere else a family's value or id shown to it is a leak like any other.
SEES_EVERY_FAMILY = {"governance": "/governance/"}
REFUSED = {400, 401, 403, 404, 405, 410, 413, 429}
SERVICE_A = "early-help-family-support"  # takes referrals from families, so family A refers itself
POSTCODES = {"a": "DE14 1AA", "b": "B79 7BZ"}  # East Staffordshire and Tamworth
DISTRICTS = {"a": "east-staffordshire", "b": "tamworth"}
# For an app made for the walk: it fails to sign in far more often than a person, so the throttle (which has tests
# of its own) would otherwise answer most of its sign-in attempts.
WALK_CONFIG = {"SIGN_IN_FAILURES_PER_ADDRESS": "100000/1", "SIGN_IN_FAILURES_PER_CLIENT": "100000/1",
               "EMAILS_PER_ADDRESS": "100000/1", "PROBLEM_REPORTS_PER_CLIENT": "100000/1"}
CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "written", "when_0": ["1", "11", "2026"]}


@contextmanager
def rolled_back(connection) -> Iterator[None]:
    """A savepoint around one request, rolled back and then released. PostgreSQL keeps a savepoint after ROLLBACK
    TO, with the lock of every write made inside it, until it is released: without the release, a walk of thousands
    of requests in one transaction runs out of lock memory ("out of shared memory")."""
    nested = connection.begin_nested()
    name = nested._savepoint
    try:
        yield
    finally:
        if nested.is_active:
            nested.rollback()
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {name}")


# --- the world ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    app: Flask
    users: dict  # role -> User (None for anonymous)
    clients: dict[str, FlaskClient]
    cookies: dict[str, dict]  # role -> the client's cookies once signed in, put back after every request
    ids: dict[str, uuid.UUID]  # "record_a", "referral_a", "service_referral_a", ... and "user_<role>"
    markers: dict[str, list[str]]  # family letter -> values planted in its record
    entitled: dict[str, set[str]]  # id (as text) -> roles that may see it; family letter -> roles that may
    samples: dict[tuple[str, str], list[str]]  # (endpoint, URL variable) -> real values read from links


def nhs_number(rng: secrets.SystemRandom) -> str:
    """A random NHS number with a valid check digit, written as the form writes it."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            text = "".join(map(str, digits)) + str(check)
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def _client(app: Flask) -> FlaskClient:
    # Not the page-checking client: the walk counts what it gets and must not stop at the first odd page.
    return FlaskClient(app, app.response_class, use_cookies=True)


def _cookies(client: FlaskClient) -> dict:
    return dict(client._cookies)


def _put_back(client: FlaskClient, cookies: dict) -> None:
    client._cookies.clear()
    client._cookies.update(cookies)


def _record_for(client, letter: str, marks: dict) -> str:
    record = new_record(client)
    complete_record(client, record, child={"first_name": marks["first_name"], "last_name": marks["last_name"],
                                           "nhs_number": marks["nhs"], "postcode": POSTCODES[letter]},
                    story={"what_matters": marks["story"]})
    return record


def _choose_and_consent(client, record: str, service_id: str) -> None:
    assert client.post(f"/families/{record}/services", data={"services": [service_id]}).status_code == 302
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302


def _send(client, record: str, service_id: str) -> uuid.UUID:
    _choose_and_consent(client, record, service_id)
    page = client.get(f"/families/{record}/check-answers")
    key = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("input", attrs={"name": "idempotency_key"})
    response = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]})
    assert response.status_code == 302 and "/referrals/" in response.headers["Location"], response.status_code
    return uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])


def build_world(app: Flask, session: Session) -> World:
    """Users, records and referrals made through the pages, as people make them; committed into `session`'s
    transaction (the caller rolls it back when the walk is done)."""
    app.config["WTF_CSRF_ENABLED"] = False
    rng = secrets.SystemRandom()
    tag = secrets.token_hex(4).upper()
    marks = {letter: {"first_name": f"Quillon{tag}{letter.upper()}", "last_name": f"Marchbank{tag}{letter.upper()}",
                      "nhs": nhs_number(rng), "story": f"Marker story {tag} {letter.upper()} {SCRIPT}"}
             for letter in "ab"}
    users = {
        "anonymous": None,
        "family_a": make_user(session, ["family"], name=f"Parent {tag} A"),
        "family_b": make_user(session, ["family"], name=f"Parent {tag} B"),
        "key_worker_a": make_user(session, ["key_worker"], districts=[DISTRICTS["a"]]),
        "key_worker_b": make_user(session, ["key_worker"], districts=[DISTRICTS["b"]]),
        "admin": make_user(session, ["admin"]),
        "governance": make_user(session, ["information_governance"]),
        "half_signed_in": make_user(session, ["key_worker"]),
    }
    secret = two_factor.new_secret()
    two_factor.turn_on(session, users["half_signed_in"], secret, pyotp.TOTP(secret).now())
    clients = {role: _client(app) for role in ROLES}
    for role in ("family_a", "key_worker_b"):
        sign_in(clients[role], users[role])
    service_a = str(session.exec(select(Service.id).where(Service.slug == SERVICE_A)).one())

    # Family A writes its own record and refers itself; allocation gives it key worker A.
    record_a = _record_for(clients["family_a"], "a", marks["a"])
    referral_a = _send(clients["family_a"], record_a, service_a)
    # Key worker B writes family B's record and refers to a service other than A's; family B is given access.
    record_b = _record_for(clients["key_worker_b"], "b", marks["b"])
    services_page = clients["key_worker_b"].get(f"/families/{record_b}/services").get_data(as_text=True)
    offered = [i["value"] for i in BeautifulSoup(services_page, "html.parser").select("input[name=services]")]
    service_b = next(s for s in offered if s != service_a)
    referral_b = _send(clients["key_worker_b"], record_b, service_b)
    session.add(FamilyAccess(record_id=uuid.UUID(record_b), user_id=users["family_b"].id))
    session.commit()
    slug_b = session.exec(select(Service.slug).where(Service.id == uuid.UUID(service_b))).one()
    users["lead_a"] = make_user(session, ["service_lead"], services=[SERVICE_A])
    users["lead_b"] = make_user(session, ["service_lead"], services=[slug_b])

    family_a = session.get(FamilyRecord, uuid.UUID(record_a))
    session.refresh(family_a)
    assert family_a.key_worker_id == users["key_worker_a"].id, "family A was not allocated key worker A"
    for role in ROLES:
        if users[role] is not None and role not in ("family_a", "key_worker_b"):
            sign_in(clients[role], users[role])
    # Choices waiting for consent and sending, so the consent and check-answers pages have something to show.
    _choose_and_consent(clients["family_a"], record_a, service_a)
    _choose_and_consent(clients["key_worker_b"], record_b, service_b)

    ids = {"record_a": uuid.UUID(record_a), "record_b": uuid.UUID(record_b), "referral_a": referral_a,
           "referral_b": referral_b}
    for letter, referral in (("a", referral_a), ("b", referral_b)):
        ids[f"service_referral_{letter}"] = session.exec(
            select(ServiceReferral.id).where(ServiceReferral.referral_id == referral)).first()
    for role, user in users.items():
        if user is not None:
            ids[f"user_{role}"] = user.id
    family_roles = {letter: {f"family_{letter}", f"key_worker_{letter}"} for letter in "ab"}
    entitled: dict[str, set[str]] = {}
    for letter in "ab":
        entitled[str(ids[f"record_{letter}"])] = family_roles[letter]
        entitled[str(ids[f"referral_{letter}"])] = family_roles[letter]
        entitled[str(ids[f"service_referral_{letter}"])] = family_roles[letter] | {f"lead_{letter}"}
        entitled[letter] = family_roles[letter] | {f"lead_{letter}"}
    markers = {letter: [m["first_name"], m["last_name"], m["nhs"], m["nhs"].replace(" ", ""),
                        m["story"].split(" <")[0]] for letter, m in marks.items()}
    samples = _samples(app, _client(app))
    # Release this session's savepoint: closing it with one open would roll back what the app wrote inside it
    # (the sign-ins above among them).
    session.commit()
    return World(app=app, users=users, clients=clients, cookies={r: _cookies(c) for r, c in clients.items()},
                 ids=ids, markers=markers, entitled=entitled, samples=samples)


def _samples(app: Flask, client: FlaskClient) -> dict:
    """Real values for the URL variables of text (slugs, codes, file names): read from the links of every page
    without variables, so a new page's links are used without a change here. Keyed by (endpoint, name)."""
    adapter = app.url_map.bind("localhost")
    samples: dict = {}
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods:
            continue
        response = client.get(rule.rule)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        for tag in BeautifulSoup(html, "html.parser").find_all(["a", "link", "script"]):
            target = urlsplit(tag.get("href") or tag.get("src") or "")
            if target.netloc or not target.path.startswith("/"):
                continue
            try:
                endpoint, values = adapter.match(target.path, method="GET")
            except Exception:  # not a page of this site, or one that redirects
                continue
            for name, value in values.items():
                found = samples.setdefault((endpoint, name), [])
                if isinstance(value, str) and value not in found and len(found) < 2:
                    found.append(value)
    return samples


# --- addresses -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    endpoint: str
    path: str
    methods: tuple[str, ...]
    ids: tuple[str, ...]  # the world ids in the path
    hostile_path: bool = False


def _values_for(world: World, endpoint: str, name: str, converter) -> list[tuple[str, str | None]]:
    """(value, world id or None) for one URL variable: ids each user may and may not see, and a random one."""
    if isinstance(converter, UUIDConverter):
        kind = name.removesuffix("_id")
        if f"{kind}_a" in world.ids:
            own = [(str(world.ids[f"{kind}_{letter}"]), str(world.ids[f"{kind}_{letter}"])) for letter in "ab"]
        else:  # an id of another kind (a person, for the admin pages): real people, not families' ids
            own = [(str(world.ids[key]), None) for key in ("user_family_a", "user_key_worker_b")]
        return [*own, (str(uuid.uuid4()), None)]
    if isinstance(converter, AnyConverter):
        return [(item, None) for item in sorted(converter.items)]
    if isinstance(converter, PathConverter):
        unknown = ["no-such-file.css", "../../wsgi.py"]
    elif isinstance(converter, IntegerConverter):  # a version number: the first, and one that does not exist
        unknown = ["1", "999999"]
    else:
        unknown = [secrets.token_urlsafe(32) if "token" in name else "no-such-thing"]
    return [(value, None) for value in world.samples.get((endpoint, name), []) + unknown]


def addresses(world: World, combinations: int = 12, endpoints: Callable[[str], bool] | None = None
              ) -> Iterator[Address]:
    """Every rule of the URL map with its variables filled: real, tampered and random ids; and, for rules with a
    text variable, addresses with hostile values in it."""
    for rule in sorted(world.app.url_map.iter_rules(), key=lambda r: r.rule):
        if endpoints is not None and not endpoints(rule.endpoint):
            continue
        methods = tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        names = list(rule._converters)
        options = [_values_for(world, rule.endpoint, name, rule._converters[name]) for name in names]
        for combo in itertools.islice(itertools.product(*options), combinations):
            values = {name: value for name, (value, _id) in zip(names, combo, strict=True)}
            path = rule.build(values, append_unknown=False)[1]
            yield Address(rule.endpoint, path, methods, tuple(i for _v, i in combo if i))
        text_names = [n for n in names if type(rule._converters[n]).__name__ in ("UnicodeConverter", "PathConverter")]
        if text_names:
            first = {name: value for name, ((value, _id), *_rest) in zip(names, options, strict=True)}
            for hostile in ("a\x00b", SCRIPT, "%2e%2e%2f" * 3):
                path = rule.build({**first, text_names[0]: hostile}, append_unknown=False)[1]
                yield Address(rule.endpoint, path, methods, (), hostile_path=True)


# --- forms ---------------------------------------------------------------------------------------------------------


@dataclass
class Form:
    """A form found on a page: where it goes, how, and its fields (name -> kind and the options offered)."""

    role: str
    method: str
    action: str  # a path
    endpoint: str
    fields: dict[str, dict] = field(default_factory=dict)


PLAUSIBLE = {**{k: v for section in (CHILD, PEOPLE, NEEDS, STORY) for k, v in section.items()},
             "email": "walker@example.org", "password": PASSWORD + " walk", "confirm": PASSWORD + " walk",
             "current_password": PASSWORD, "new_password": PASSWORD + " walk", "name": "Walker Person",
             "code": "123456", "recovery_code": "abcd-efgh-ijkl", "q": "speech", "age": "7",
             "reason": "Checking the walk", "postcode": "ST16 3NE",
             # Empty, so the family search goes by the child's names above (it refuses a reference with names).
             "reference": ""}


def find_forms(world: World, role: str, html: str, page_path: str) -> list[Form]:
    soup = BeautifulSoup(html, "html.parser")
    adapter = world.app.url_map.bind("localhost")
    forms = []
    for tag in soup.find_all("form"):
        method = (tag.get("method") or "get").upper()
        action = urlsplit(tag.get("action") or page_path).path or page_path
        try:
            endpoint = adapter.match(action, method=method)[0]
        except (NotFound, MethodNotAllowed):
            continue
        form = Form(role, method, action, endpoint)
        for element in tag.find_all(["input", "textarea", "select"]):
            name = element.get("name")
            kind = element.get("type", "text") if element.name == "input" else element.name
            if not name or kind in ("submit", "button", "image", "reset", "file"):
                continue
            entry = form.fields.setdefault(name, {"kind": kind, "options": [], "count": 0, "value": None})
            entry["count"] += 1
            if kind in ("radio", "checkbox"):
                entry["options"].append(element.get("value", "on"))
            elif element.name == "select":
                entry["options"] += [o.get("value", o.get_text()) for o in element.find_all("option")]
            elif kind == "hidden":
                entry["value"] = element.get("value", "")
        forms.append(form)
    return forms


def plausible(form: Form) -> list[tuple[str, object]]:
    """Values a person might send: choices from what the form offers, text from a fixed list (never the page's
    own values, which may be a family's)."""
    pairs = []
    for name, entry in form.fields.items():
        if entry["kind"] == "hidden":
            pairs.append((name, entry["value"] or ""))
        elif entry["options"]:
            chosen = [o for o in entry["options"] if o] or entry["options"]
            pairs.append((name, chosen[0]))
        elif entry["count"] == 3:  # the GOV.UK date input: day, month and year share a name
            pairs += [(name, "14"), (name, "5"), (name, "2017")]
        else:
            value = PLAUSIBLE.get(name, PLAUSIBLE.get(re.sub(r"_\d+$", "", name), "Plausible words"))
            pairs += [(name, v) for v in (value if isinstance(value, list) else [value])]
    return pairs


def _pairs(name: str, value) -> list[tuple[str, object]]:
    return [(name, v) for v in value] if isinstance(value, list) else [(name, value)]


def _has_nul(value) -> bool:
    return any("\x00" in v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))


# A NUL byte anywhere refuses the whole request before any field is read, so those values go one field at a time.
NUL_VALUES = [v for v in HOSTILE if _has_nul(v)]
OTHER_VALUES = [v for v in HOSTILE if not _has_nul(v)]


def hostile(form: Form, every: bool = True) -> Iterator[list[tuple[str, object]]]:
    """Sets of hostile values for a form. With `every`, every value reaches every field: set k gives field i the
    value k + i (so fields meet different values together), then each field alone gets each NUL value."""
    names = list(form.fields)
    for k in range(len(OTHER_VALUES) if every else 1):
        yield [pair for i, name in enumerate(names) for pair in _pairs(name, OTHER_VALUES[(i + k) % len(OTHER_VALUES)])]
    if every:
        base = plausible(form)
        for name in names:
            for value in NUL_VALUES:
                yield [pair for pair in base if pair[0] != name] + _pairs(name, value)


def encode(pairs: list[tuple[str, object]]) -> str:
    return urlencode([(name, value) for name, value in pairs])


# --- walking -------------------------------------------------------------------------------------------------------


@dataclass
class Report:
    requests: int = 0
    allowed: int = 0
    refused: int = 0
    statuses: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    throttled: list[str] = field(default_factory=list)

    @property
    def other(self) -> int:
        return self.requests - self.allowed - self.refused - len(self.server_errors)

    def summary(self) -> str:
        return (f"requests {self.requests}, allowed {self.allowed}, refused {self.refused}, "
                f"leaks {len(self.leaks)}, 5xx {len(self.server_errors)}")


class Walker:
    def __init__(self, world: World, isolate: Callable[[], AbstractContextManager]):
        self.world = world
        self.isolate = isolate
        self.report = Report()
        self.forms: list[Form] = []

    def send(self, role: str, method: str, path: str, ids: tuple[str, ...] = (), query: str = "",
             body: str | None = None):
        client = self.world.clients[role]
        kwargs = {"method": method, "query_string": query}
        if body is not None:
            kwargs.update(data=body, content_type="application/x-www-form-urlencoded")
        label = f"{role} {method} {path}{'?' + query[:80] if query else ''}{' <- ' + body[:80] if body else ''}"
        try:
            with self.isolate():
                response = client.open(path, **kwargs)
                status, text = response.status_code, response.get_data(as_text=True)
                location = response.headers.get("Location", "")
                response.close()
        except Exception as error:  # an exception the app did not turn into a page is a server error too
            first_line = (str(error).strip().splitlines() or [""])[0][:160]
            self._count(label, 500, f"raised {type(error).__name__}: {first_line}")
            return None, ""
        finally:
            _put_back(client, self.world.cookies[role])
        self._count(label, status)
        self._look_for_leaks(label, role, status, text, location, ids, path)
        return status, text

    def _count(self, label: str, status: int, detail: str = "") -> None:
        self.report.requests += 1
        self.report.statuses[status] += 1
        if status == 429:
            self.report.throttled.append(label)
        if status >= 500:
            self.report.server_errors.append(f"{status} {label} {detail}".rstrip())
        elif status < 400:
            self.report.allowed += 1
        elif status in REFUSED:
            self.report.refused += 1

    def _look_for_leaks(self, label, role, status, text, location, ids, path="") -> None:
        sees_every_family = role in SEES_EVERY_FAMILY and path.startswith(SEES_EVERY_FAMILY[role])
        for letter, values in self.world.markers.items():
            if role in self.world.entitled[letter] or sees_every_family:
                continue
            for value in values:
                if value in text or value in location:
                    self.report.leaks.append(f"{label}: shows family {letter.upper()}'s {value!r}")
        for id_text in ids:
            if role not in self.world.entitled[id_text] and not sees_every_family:
                if 200 <= status < 300:
                    self.report.leaks.append(f"{label}: {status} at another family's id")
                elif 300 <= status < 400 and id_text in urlsplit(location).path:
                    self.report.leaks.append(f"{label}: redirected to another family's id")
        for raw in UNESCAPED:
            if raw in text:
                self.report.leaks.append(f"{label}: unescaped {raw!r}")

    def check_signed_in(self) -> None:
        """Each user is still signed in, or half signed in (a walk as nobody in particular would find nothing)."""
        pages = {r.endpoint: r.rule for r in self.world.app.url_map.iter_rules()}
        for role, user in self.world.users.items():
            home = pages.get("account.sign_in_code" if role == "half_signed_in" else "account.home")
            if user is None or home is None:
                continue
            client = self.world.clients[role]
            with self.isolate():
                status = client.get(home).status_code
            _put_back(client, self.world.cookies[role])
            if status != 200:
                raise RuntimeError(f"The walk is not signed in as {role}: {home} answered {status}")

    def discover(self) -> tuple[list[Address], list[Form], dict[str, str]]:
        """Every address, the forms its pages show to each user, and the first user each page was shown to."""
        found = list(addresses(self.world))
        first_allowed: dict[str, str] = {}
        for address, role in itertools.product(found, ROLES):
            if "GET" in address.methods and not address.hostile_path:
                status, text = self.send(role, "GET", address.path, address.ids)
                if status == 200:
                    first_allowed.setdefault(address.path, role)
                    self.forms += find_forms(self.world, role, text, address.path)
        return found, self.forms, first_allowed

    def walk(self, all_hostile_values: bool = True, endpoints: Callable[[str], bool] | None = None) -> Report:
        """`all_hostile_values`: every hostile value in every field of every form and in the query string of every
        page (the full walk); otherwise the first few. `endpoints`: only the endpoints it accepts."""
        self.check_signed_in()
        found = list(addresses(self.world, endpoints=endpoints))
        first_allowed: dict[str, str] = {}
        # 1. Every address as every user, by each of its methods (and a POST to those that do not take one).
        for address, role in itertools.product(found, ROLES):
            if "GET" in address.methods:
                status, text = self.send(role, "GET", address.path, address.ids)
                if status == 200 and not address.hostile_path:
                    first_allowed.setdefault(address.path, role)
                    self.forms += find_forms(self.world, role, text, address.path)
            if "POST" not in address.methods and not address.hostile_path:
                self.send(role, "POST", address.path, address.ids, body="")
        # 2. Every form target as every user: plausible values, then hostile ones. The first user who was shown
        # the form gets every hostile value in every field; the others one set.
        owners: dict[tuple[str, str], Form] = {}
        for form in self.forms:
            owners.setdefault((form.method, form.action), form)
        by_endpoint = {}
        for form in self.forms:
            by_endpoint.setdefault((form.method, form.endpoint), form)
        for address in found:
            for method in ("POST", "GET"):
                form = owners.get((method, address.path)) or by_endpoint.get((method, address.endpoint))
                if form is None or method not in address.methods or address.hostile_path:
                    continue
                for role in ROLES:
                    every = all_hostile_values and owners.get((method, address.path)) is form and role == form.role
                    for data in [plausible(form), *hostile(form, every)]:
                        if method == "POST":
                            self.send(role, method, address.path, address.ids, body=encode(data))
                        else:
                            self.send(role, method, address.path, address.ids, query=encode(data))
        # 3. Hostile values in the query string of every page, as the first user allowed to see it.
        for address in found:
            if "GET" not in address.methods or address.hostile_path:
                continue
            role = first_allowed.get(address.path, "anonymous")
            for value in HOSTILE if all_hostile_values else HOSTILE[:3]:
                names = ("page", "next", "q", "postcode", "district")
                pairs = [(n, v) for n in names for v in (value if isinstance(value, list) else [value])]
                self.send(role, "GET", address.path, address.ids, query=encode(pairs))
        return self.report
