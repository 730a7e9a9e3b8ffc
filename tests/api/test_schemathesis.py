"""The API against its own OpenAPI schema: Schemathesis generates requests from the schema and
sends them with a service account's token to the app on loopback. No answer is a server error,
and every answer (status, content type, headers, body) is what the schema says."""

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import TokenScope
from directory.roles import Role
from plans.services import publish_plan
from tests.api.factories import token_for
from tests.factories import make_round, make_user
from tests.plans.factories import make_plan
from tests.proposals.factories import make_complete_draft

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 8  # per operation: about 15 operations, a minute or so in all


def _world():
    """Something behind every endpoint: an open round, the agency's draft, a published plan."""
    plan = make_plan(2568)
    publish_plan(plan_round=plan.plan_round, actor=make_user(Role.SECRETARY), note="v1")
    submitter = make_user(Role.SUBMITTER)
    make_complete_draft(agency=submitter.agency, plan_round=make_round(2571), actor=submitter)
    return submitter


@pytest.mark.slow
@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.BUDGET_OFFICE])
def test_every_answer_conforms_to_the_schema(transactional_db, live_server, settings, role):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "100000/minute"},
    }
    submitter = _world()
    user = submitter if role == Role.SUBMITTER else make_user(role)
    headers = {"Authorization": f"Bearer {token_for(user, TokenScope.WRITE)}"}
    raw = Client(headers=headers).get("/api/v1/schema/?format=json").json()
    schema = schemathesis.openapi.from_dict(raw)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 (every operation is tried, then all reported)
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
