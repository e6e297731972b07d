"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, retried, recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from world import inside

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests-0123456789"


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses  # answered in turn; the last one repeats
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                n = len(receiver.received)
                status = receiver.statuses[min(n, len(receiver.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answer {n} {'x' * 600}".encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    marker = request.node.get_closest_marker("statuses")
    r = Receiver(list(marker.args) if marker else [500, 200])
    yield r
    r.close()


@pytest.fixture
def immediate_huey() -> Iterator[Any]:
    from shaobao.cases.jobs import huey

    before = huey.immediate
    huey.immediate = True
    yield huey
    huey.immediate = before


def _register(api: Any, url: str, types: list[str]) -> dict[str, Any]:
    r = api("command").post("/api/v1/webhooks", {"url": url, "event_types": types,
                                                 "secret": SECRET})
    assert r.status_code == 201, r.content
    return r.json()


def _report(api: Any) -> dict[str, Any]:
    lat, lng = inside(0)
    r = api("resident1").post("/api/v1/cases", {"description": "路灯不亮", "item": "GL01",
                                                "lat": lat, "lng": lng})
    assert r.status_code == 201, r.content
    return r.json()


def test_delivery_signed_retried_and_recorded(api: Any, receiver: Receiver,
                                              immediate_huey: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    from django.utils import timezone

    from shaobao.integrations.models import WebhookDelivery
    from shaobao.integrations.webhooks import deliveries_retry_due

    hook = _register(api, receiver.url, ["accept"])
    case = _report(api)  # "create" is not subscribed
    assert WebhookDelivery.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api("station_caishan").act(case["number"], "accept", case["version"])
        assert r.status_code == 200
    # The user's request returned before anything was sent; the row was written with the event.
    assert receiver.received == []
    d = WebhookDelivery.objects.get()
    assert d.state == "pending" and d.attempt == 0 and d.event_type == "accept"
    for callback in callbacks:
        callback()  # what commit does: hand the delivery to the (immediate) worker

    assert len(receiver.received) == 1
    d.refresh_from_db()
    assert d.attempt == 1 and d.status_code == 500 and d.state == "pending"
    assert d.response_excerpt.startswith("answer 1") and len(d.response_excerpt) == 500
    assert d.next_attempt_at is not None
    wait = (d.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60

    assert deliveries_retry_due(now=timezone.now()) == 0  # not due yet
    assert deliveries_retry_due(now=timezone.now() + timedelta(seconds=61)) == 1
    d.refresh_from_db()
    assert d.state == "delivered" and d.attempt == 2 and d.status_code == 200
    assert d.delivered_at is not None
    assert len(receiver.received) == 2

    for got in receiver.received:
        headers, body = got["headers"], got["body"]
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Shaobao-Signature"] == expected
        assert headers["X-Shaobao-Event"] == "accept"
        assert headers["X-Shaobao-Delivery"] == str(d.uuid)
        assert headers["Content-Type"].startswith("application/json")
        payload = json.loads(body)
        assert payload["case"] == case["number"] and payload["event"] == "accept"
        assert payload["from_status"] == "submitted" and payload["to_status"] == "accepted"
        assert payload["at"].endswith("+08:00")

    listed = api("command").get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert listed["count"] == 1 and listed["results"][0]["state"] == "delivered"
    assert listed["results"][0]["status_code"] == 200


@pytest.mark.statuses(503)
def test_backoff_then_give_up(api: Any, receiver: Receiver, immediate_huey: Any,
                              django_capture_on_commit_callbacks: Any) -> None:
    from django.utils import timezone

    from shaobao.integrations.models import WebhookDelivery
    from shaobao.integrations.webhooks import BACKOFF, MAX_ATTEMPTS, deliveries_retry_due

    _register(api, receiver.url, ["*"])
    with django_capture_on_commit_callbacks(execute=True):
        _report(api)
    d = WebhookDelivery.objects.get()
    assert d.event_type == "create" and d.attempt == 1
    now = timezone.now()
    waits = []
    while d.state == "pending":
        assert d.next_attempt_at is not None
        waits.append(round((d.next_attempt_at - now).total_seconds()))
        now = d.next_attempt_at
        assert deliveries_retry_due(now=now) == 1
        d.refresh_from_db()
    assert waits[1:] == list(BACKOFF[1:])  # the first wait started a moment before `now`
    assert d.state == "failed" and d.attempt == MAX_ATTEMPTS == 6
    assert len(receiver.received) == 6 and d.status_code == 503
    assert deliveries_retry_due(now=now + timedelta(days=1)) == 0


def test_unreachable_receiver_is_recorded(api: Any, immediate_huey: Any,
                                          django_capture_on_commit_callbacks: Any) -> None:
    from shaobao.integrations.models import WebhookDelivery

    dead = Receiver([200])
    url = dead.url
    dead.close()
    _register(api, url, ["create"])
    with django_capture_on_commit_callbacks(execute=True):
        _report(api)
    d = WebhookDelivery.objects.get()
    assert d.state == "pending" and d.status_code is None and d.attempt == 1
    assert "Error" in d.error or "refused" in d.error.lower()


@pytest.mark.statuses(200)
def test_event_type_filter_and_status_types(api: Any, receiver: Receiver,
                                            immediate_huey: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    from shaobao.integrations.models import WebhookDelivery

    _register(api, receiver.url, ["whistle", "closed"])
    with django_capture_on_commit_callbacks(execute=True):
        case = _report(api)
        station = api("station_caishan")
        case = station.act(case["number"], "accept", case["version"]).json()
        case = station.act(case["number"], "whistle", case["version"],
                           lead_department="cgj").json()
        dept = api("dept_cgj")
        case = dept.act(case["number"], "check_in", case["version"]).json()
        case = dept.act(case["number"], "handle", case["version"], result="修好了").json()
        case = api("grid_caishan1").act(case["number"], "verify", case["version"],
                                        passed=True).json()
        assert case["status"] == "closed"
        api("resident1").act(case["number"], "rate", case["version"], rating="satisfied")
    assert list(WebhookDelivery.objects.order_by("id").values_list("event_type", "state")) == [
        ("whistle", "delivered"), ("verify", "delivered")]
    assert [r["headers"]["X-Shaobao-Event"] for r in receiver.received] == ["whistle", "verify"]


def test_webhook_registration_rules(api: Any) -> None:
    command, admin_like = api("command"), api("station_caishan")
    r = admin_like.post("/api/v1/webhooks", {"url": "https://x.example/h", "event_types": ["*"]})
    assert r.status_code == 403
    assert api("resident1").get("/api/v1/webhooks").status_code == 403
    for body in ({"url": "ftp://x.example/h", "event_types": ["*"]},
                 {"url": "https://x.example/h", "event_types": []},
                 {"url": "https://x.example/h", "event_types": ["explode"]},
                 {"url": "https://x.example/h", "event_types": ["*"], "secret": "short"}):
        r = command.post("/api/v1/webhooks", body)
        assert r.status_code == 400, (body, r.content)
    r = command.post("/api/v1/webhooks", {"url": "https://x.example/h",
                                          "event_types": ["check_in", "closed"]})
    assert r.status_code == 201
    hook = r.json()
    assert len(hook["secret"]) >= 32 and hook["event_types"] == ["check_in", "closed"]
    listed = command.get("/api/v1/webhooks").json()
    assert listed["count"] == 1 and listed["results"][0]["secret"] is None
    assert command.client.delete(f"/api/v1/webhooks/{hook['id']}",
                                 headers=command.headers).status_code == 204
    assert command.client.delete(f"/api/v1/webhooks/{hook['id']}",
                                 headers=command.headers).status_code == 404
    assert command.get("/api/v1/webhooks").json()["count"] == 0
