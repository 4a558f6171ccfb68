"""Schemathesis against the API's own OpenAPI description (served at /api/openapi.json, offline): generated
requests for every operation never get a server error, and every answer matches its documented status, content
type and schema (400 and 404 bodies included). Hypothesis drives each operation's strategy directly (the
schemathesis pytest plugin does not run under this pytest)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

PATHS = ["/", "/services", "/services/{id}", "/service_at_locations", "/service_at_locations/{id}",
         "/organizations", "/organizations/{id}", "/taxonomies", "/taxonomies/{id}", "/taxonomy_terms",
         "/taxonomy_terms/{id}"]


@pytest.fixture(scope="module")
def api_schema(read_only_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", read_only_app)


def test_the_description_covers_every_oruk_path(api_schema):
    assert sorted(result.ok().path for result in api_schema.get_all_operations()) == sorted(PATHS)


@pytest.mark.parametrize("path", PATHS)
def test_generated_requests_get_documented_answers(api_schema, path):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def check(case):
        case.call_and_validate()

    check()
