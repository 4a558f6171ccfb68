"""The API's own OpenAPI description: derived from ORUK's, self-contained (every $ref inside it), with the
HSDS version, this site's server, and its error answers documented."""

import json

from tests.api.conftest import get_json


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_description_is_self_contained_and_says_its_version(api):
    document = get_json(api, "/api/openapi.json")
    assert document["x-hsds-version"] == "HSDS-UK-3.0" == document["info"]["x-hsds-version"]
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "http://localhost/api"}]
    assert "YOUR CONTACT" not in json.dumps(document)
    found = set(refs(document))
    assert found and all(ref.startswith("#/") for ref in found)
    for ref in found:
        resolve(document, ref)  # raises KeyError when it points nowhere
    assert not any(key in json.dumps(document["components"]["schemas"]) for key in ('"constraints"', '"core"'))


def test_every_operation_documents_its_errors(api):
    document = get_json(api, "/api/openapi.json")
    assert len(document["paths"]) == 11
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        if "{id}" in path:
            assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if item["get"].get("parameters"):
            assert "400" in responses, path
        assert "429" in responses
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "error", "message"}


def test_the_api_details_point_at_the_description(api):
    details = get_json(api, "/api/")
    assert details["openapi_url"].endswith("/api/openapi.json")
    assert api.get(details["openapi_url"].removeprefix("http://localhost")).status_code == 200
