"""Property-based run of REST v1 against its own OpenAPI document (Schemathesis).

Every operation gets generated requests, authenticated as the command center; the
responses must never be a 5xx and must match the documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Called straight through WSGI, Django closes the database connection after each
    request and the test's transaction with it; Django's own test client disconnects
    these handlers for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(keep_connection: None) -> Any:
    from shaobao.config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def command_token(db: Any, keep_connection: None) -> str:
    from shaobao.org.models import User
    from shaobao.org.services import token_create

    return token_create(User.objects.get(username="command"))


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_v1_conforms(case: Any, command_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {command_token}"},
                           checks=[not_a_server_error, response_schema_conformance])
