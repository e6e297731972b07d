"""Fixtures shared by all tests; the world itself is described in tests/world.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from world import build_world

# Tests whose subject is not the database (browser flows, page timing, the history
# simulator): CI runs them on SQLite only, to keep the two-database run short.
SINGLE_DB_PATHS = ("tests/e2e/", "tests/web/test_latency.py", "tests/demo/test_history.py",
                   "tests/demo/test_bench_analytics.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.as_posix()
        if any(f"/{p}" in path for p in SINGLE_DB_PATHS):
            item.add_marker(pytest.mark.single_db)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with django_db_blocker.unblock():
        build_world(tmp_path_factory.mktemp("world"))
    yield


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: rate-limit counters (30 reports a minute per
    user) would otherwise carry over from earlier tests and depend on how fast they ran."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def users(db: Any) -> Any:
    from shaobao.org.models import User

    class Users:
        def __getattr__(self, name: str) -> User:
            return User.objects.get(username=name)

    return Users()


@pytest.fixture
def api() -> Any:
    """An HTTP client logged in with a real bearer token: `api("resident1").post(...)`."""
    from shaobao.org.models import User
    from shaobao.org.services import token_create

    tokens: dict[str, str] = {}

    class Api:
        def __init__(self, username: str | None) -> None:
            self.client = Client()
            self.headers: dict[str, str] = {}
            if username:
                if username not in tokens:
                    tokens[username] = token_create(User.objects.get(username=username))
                self.headers["Authorization"] = f"Bearer {tokens[username]}"

        def get(self, url: str, **params: Any) -> Any:
            return self.client.get(url, params, headers=self.headers)

        def post(self, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
            return self.client.post(url, json.dumps(body) if body is not None else "",
                                    content_type="application/json",
                                    headers={**self.headers, **(headers or {})})

        def act(self, number: str, action: str, version: int, **payload: Any) -> Any:
            return self.post(f"/api/v1/cases/{number}/actions/{action}",
                             {"version": version, **payload})

    return Api
