"""Webhooks end to end: subscribe over the API, change a case, deliver from the
outbox to a real HTTP receiver on 127.0.0.1 — first attempt fails, the retry
after the backoff succeeds — and read the delivery record back."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine import webhooks

from .conftest import open_task, start_case


@pytest.fixture(autouse=True)
def _local_receivers_allowed(monkeypatch):
    """Receivers here listen on 127.0.0.1, which webhooks reach only through the allow-list."""
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "127.0.0.1")


class Receiver:
    """A local HTTP endpoint that answers with the queued statuses, then 200."""

    def __init__(self):
        self.received, self.statuses = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_delivery_is_signed_retried_with_backoff_and_visible(deployed, as_, receiver):
    portal = as_("portal")
    r = portal("POST", "/api/v1/webhooks", json={"url": receiver.url, "events": ["case_started", "task_ready"],
                                                  "description": "一网通办门户"})
    assert r.status_code == 201
    hook = r.get_json()
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["scope"] == "own"
    assert "secret" not in portal("GET", f"/api/v1/webhooks/{hook['id']}").get_json()

    case = start_case(as_)
    start_case(as_, who="hotline")  # not the portal's case: no delivery for it
    page = portal("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()
    assert page["total"] == 2 and {d["event_type"] for d in page["items"]} == {"case_started", "task_ready"}
    assert all(d["status"] == "pending" and d["attempts"] == 0 for d in page["items"])

    receiver.statuses = [500]  # the first attempt fails
    assert webhooks.deliver_due(deployed) == 2
    failed = [d for d in portal("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["items"]
              if d["last_status_code"] == 500]
    assert len(failed) == 1
    [failed] = failed
    assert failed["status"] == "pending" and failed["attempts"] == 1 and failed["last_error"] == "HTTP 500"
    assert webhooks.deliver_due(deployed) == 0  # not due before its backoff
    deployed.clock.travel(timedelta(seconds=11))
    assert webhooks.deliver_due(deployed) == 1

    items = portal("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert all(d["status"] == "delivered" and d["delivered_at"] for d in items)
    assert sorted(d["attempts"] for d in items) == [1, 2]
    assert len(receiver.received) == 3
    for headers, body in receiver.received:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Tongban-Signature"] == expected
        payload = json.loads(body)
        assert payload["case"]["id"] == case["id"] and payload["case"]["number"] == case["number"]
        assert headers["X-Tongban-Event"] == payload["type"]
        assert headers["X-Tongban-Delivery"] == str(payload["delivery"])
    assert portal("GET", f"/api/v1/webhooks/{hook['id']}/deliveries?status=delivered").get_json()["total"] == 2


def test_gives_up_after_max_attempts_and_manual_retry(deployed, as_):
    hook = as_("admin")("POST", "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/closed",
                                                          "events": ["case_started"]}).get_json()
    assert hook["scope"] == "all"
    start_case(as_)
    for _ in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.deliver_due(deployed) == 1
        deployed.clock.travel(webhooks.LONGEST_RETRY + timedelta(seconds=1))
    [d] = as_("admin")("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert d["status"] == "failed" and d["attempts"] == webhooks.MAX_ATTEMPTS and d["last_status_code"] is None
    assert d["last_error"] == "连接失败"       # the kind of failure, no socket details
    assert webhooks.deliver_due(deployed) == 0
    r = as_("admin")("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}/retry")
    assert r.status_code == 200 and r.get_json()["status"] == "pending" and r.get_json()["attempts"] == 0


def test_rolled_back_change_sends_nothing_and_unsubscribe_cancels(deployed, as_, receiver):
    hook = as_("portal")("POST", "/api/v1/webhooks", json={"url": receiver.url,
                                                           "events": ["task_completed"]}).get_json()
    task = open_task(start_case(as_))
    bad = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "?"}})
    assert bad.status_code == 422
    assert as_("portal")("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["total"] == 0
    as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "accept"}})
    assert as_("portal")("DELETE", f"/api/v1/webhooks/{hook['id']}").status_code == 204
    [d] = as_("portal")("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert d["status"] == "cancelled"
    assert webhooks.deliver_due(deployed) == 0 and receiver.received == []
    assert as_("portal")("GET", "/api/v1/webhooks").get_json()["items"] == []
    r = as_("portal")("POST", f"/api/v1/webhooks/{hook['id']}/deliveries/{d['id']}/retry")
    assert r.status_code == 409


def test_subscription_input_is_checked(as_):
    portal = as_("portal")
    for body in ({"url": "ftp://x/", "events": ["case_started"]},
                 {"url": "http://u:p@host/", "events": ["case_started"]},
                 {"url": "http://host/", "events": []},
                 {"url": "http://host/", "events": ["made_up"]}):
        r = portal("POST", "/api/v1/webhooks", json=body)
        assert r.status_code == 422, body
