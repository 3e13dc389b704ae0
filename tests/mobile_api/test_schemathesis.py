"""Property-based run over the OpenAPI schema: whatever schemathesis generates (valid and
invalid inputs), the API never answers 5xx, and every answer conforms to the schema: a declared
status code, a declared content type, a body valid against the declared response schema.
Bounded: a few examples per operation."""

import json
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NOT_SET
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode

from .conftest import API, Api

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
MAX_EXAMPLES = 12
# These end the session they run in; they have their own hand-written tests.
SKIP = {"auth_logout", "devices_revoke"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def as_schemathesis_response(method: str, path: str, response) -> Response:
    """A Django test-client response in the form schemathesis' checks read."""
    request = requests.Request(method=method, url=f"http://testserver{path}").prepare()
    return Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=False,
    )


def _operations(schema_dict):
    schema = schemathesis.openapi.from_dict(schema_dict)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") not in SKIP:
            yield operation


def test_no_operation_ever_answers_5xx(deputy, station, assigned, record):
    api = Api()
    api.login("deputy1")
    api.post("visits/sync", {"records": [record() for _ in range(3)]})
    schema_dict = Client().get(API + "schema/", HTTP_ACCEPT="application/json").json()
    operations = list(_operations(schema_dict))
    assert len(operations) >= 14
    client = Client()
    statuses: dict[str, set[int]] = {}

    def request(case):
        headers = {"Authorization": f"Bearer {api.access}"}
        headers.update(
            {
                k: v
                for k, v in (case.headers or {}).items()
                if k.lower() not in {"authorization", "content-length", "host"}
                and isinstance(v, str)
                and v.isascii()
            }
        )
        path, query = case.formatted_path, case.query or {}
        if case.method.upper() == "GET":
            return path, client.get(path, query, headers=headers)
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        if case.body is NOT_SET:
            data = ""
        elif isinstance(case.body, bytes | str):
            data = case.body  # negative mode sends raw, possibly non-JSON bodies
        else:
            data = json.dumps(case.body)
        return path, client.generic(
            case.method.upper(), path, data, content_type="application/json", headers=headers
        )

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                path, response = request(case)
                key = case.operation.definition.raw.get("operationId")
                statuses.setdefault(key, set()).add(response.status_code)
                assert response.status_code < 500, (case.method, path, case.body, response.content)
                answer = as_schemathesis_response(case.method.upper(), path, response)
                case.validate_response(answer, checks=CHECKS)

            check()
    assert set(statuses) == {op.definition.raw.get("operationId") for op in operations}
