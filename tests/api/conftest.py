"""Fixtures for the API tests: Open311 clients, JSON Schemas, a clean rate-limit cache."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "open311_schema"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def validate() -> Callable[[str, Any], None]:
    """validate("services.json", data): the public Open311 JSON Schema, or skip."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"Open311 schemas not found at {SCHEMA_DIR}")
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8"))
               for p in SCHEMA_DIR.glob("*.json")}
    registry = referencing.Registry().with_resources(
        (name, referencing.Resource.from_contents(
            s, default_specification=referencing.jsonschema.DRAFT7))
        for name, s in schemas.items())

    def check(name: str, data: Any) -> None:
        validator = jsonschema.Draft7Validator(schemas[name], registry=registry,
                                               format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)

    return check


@pytest.fixture
def o311_key(db: Any) -> str:
    from shaobao.integrations.clients import client_create

    _, key = client_create("hotline12345")
    return key


class Open311:
    """Calls /open311/v2/… in either format."""

    def __init__(self) -> None:
        self.client = Client()

    def get(self, path: str, fmt: str = "json", **params: Any) -> Any:
        return self.client.get(f"/open311/v2/{path}.{fmt}", params)

    def post(self, fmt: str = "json", data: dict[str, Any] | list[tuple[str, str]] | None = None,
             **headers: str) -> Any:
        return self.client.post(f"/open311/v2/requests.{fmt}", urlencode(data or {}, doseq=True),
                                content_type="application/x-www-form-urlencoded",
                                headers=headers)


@pytest.fixture
def o311() -> Open311:
    return Open311()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "statuses(*codes): what the webhook receiver answers, in turn")
