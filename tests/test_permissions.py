"""Every non-public route refuses anonymous users and the wrong roles; records are seen only by their people."""

import uuid

import pytest

from directory.referrals import records as family_records
from tests.helpers.people import make_user, sign_in

# Routes anyone may use. Everything else must send an anonymous visitor to sign in.
PUBLIC = {
    "static", "public.start", "public.categories", "public.category", "public.needs", "public.need",
    "public.services", "public.service", "public.find_by_area", "public.choose_area", "public.area",
    "public.accessibility", "public.health", "public.search", "public.check", "account.sign_in",
    "account.sign_out", "account.create_account", "account.reset_password", "account.choose_password",
    "account.accept_invitation", "account.check_email", "account.confirm_email",
    # Half way through signing in: these check the pending sign-in themselves (tests/test_two_factor.py).
    "account.sign_in_code", "account.sign_in_recovery_code",
    # Reporting something wrong on a service page needs no account (throttled per client address instead).
    "public.report_problem", "public.problem_reported",
    # Services' own published waiting times (directory/web/public/waiting_times.py).
    "public.waiting_times", "public.waiting_times_csv",
    # The Open Referral UK API: the published directory, read-only open data (tests/api).
    "api.api_details", "api.openapi", "api.services", "api.service", "api.service_at_locations",
    "api.service_at_location", "api.organizations", "api.organization", "api.taxonomies", "api.taxonomy",
    "api.taxonomy_terms", "api.taxonomy_term",
    # The load balancer's readiness check: counts and ages only (tests/test_health_ready.py).
    "public.health_ready",
}
SAMPLE_VALUES = {"uuid": str(uuid.uuid4()), "default": "x", "any": "child", "integer": "1"}


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def protected_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            values[name] = SAMPLE_VALUES.get(kind, SAMPLE_VALUES["default"])
            if kind == "any":
                values[name] = sorted(converter.items)[0]
        path = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path, app.view_functions[rule.endpoint]


def test_every_protected_route_sends_anonymous_visitors_to_sign_in(app, client):
    routes = list(protected_routes(app))
    assert len(routes) >= 10
    for endpoint, method, path, _view in routes:
        response = client.open(path, method=method)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/sign-in"), endpoint


def test_every_role_restricted_route_refuses_other_roles(app, client, db_session):
    from directory.models.accounts import ROLES

    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        sign_in(clients[role], make_user(db_session, [role]))
    checked = 0
    for endpoint, method, path, view in protected_routes(app):
        required = getattr(view, "required_roles", None)
        assert required is not None, f"{endpoint} has no permission decorator"
        for role in set(ROLES) - set(required) if required else ():
            response = clients[role].open(path, method=method)
            assert response.status_code == 403, (endpoint, role, response.status_code)
            checked += 1
    assert checked >= 10


def test_subject_access_is_for_information_governance_alone(app):
    endpoints = {endpoint: view for endpoint, _method, _path, view in protected_routes(app)
                 if endpoint.startswith("governance.")}
    assert set(endpoints) == {"governance.find_family", "governance.export", "governance.export_view",
                              "governance.export_download"}
    assert {view.required_roles for view in endpoints.values()} == {("information_governance",)}


def test_a_key_worker_sees_only_the_families_they_work_with(app, client, db_session):
    mine, theirs = make_user(db_session, ["key_worker"]), make_user(db_session, ["key_worker"])
    record = family_records.create_record(db_session, theirs.id, {"key_worker"})
    db_session.commit()
    sign_in(client, mine)
    assert client.get(f"/families/{record.id}").status_code == 404
    assert client.get(f"/families/{record.id}/child").status_code == 404
    assert client.post(f"/families/{record.id}/child", data={"first_name": "X"}).status_code == 404
    other = app.test_client()
    sign_in(other, theirs)
    assert other.get(f"/families/{record.id}").status_code == 200


def test_a_family_sees_only_its_own_record(app, client, db_session):
    parent, stranger = make_user(db_session, ["family"]), make_user(db_session, ["family"])
    record = family_records.create_record(db_session, parent.id, {"family"})
    db_session.commit()
    sign_in(client, stranger)
    assert client.get(f"/families/{record.id}").status_code == 404
    own = app.test_client()
    sign_in(own, parent)
    assert own.get(f"/families/{record.id}").status_code == 200
    assert "Family record" in own.get("/families").get_data(as_text=True)
