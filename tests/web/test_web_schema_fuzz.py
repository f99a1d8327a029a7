"""schemathesis over the API's OpenAPI schema, as an admin, against a real server: whatever
it sends, no answer is a server error (5xx) and every answer is one the schema allows."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.conftest import Server

from haechi.members.model import Role

EXAMPLES = 15  # per operation: modest, the whole test stays light


def test_no_api_operation_answers_with_a_server_error(server: Server) -> None:
    admin = server.sign_in(server.add("fuzz-admin", Role.ADMIN))
    raw = httpx.get(f"{server.url}/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Ending sessions last: the fuzzer may well end the admin's own.
    operations.sort(key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    assert len(operations) >= 8
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(), _=st.just(None))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case, _: None) -> None:
            response = case.call(
                base_url=server.url,
                headers={"X-CSRF-Token": admin.csrf},
                cookies=dict(admin.http.cookies),
                timeout=60,
            )
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:200]}"
                )

        check()
    assert failures == []
