"""The webhook outbox: rows written with the event, delivered by any worker.

``enqueue`` runs inside ``history.append``, so an outbox row is written in the
same unit of work as the change it reports: a rolled-back change sends nothing,
a committed one is never lost. ``deliver_due`` is called by the scheduler of any
number of processes: it leases due rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), POSTs each with an HMAC-SHA256 signature over the body, and on
failure retries later with exponential backoff until it gives up.

Delivery uses the standard library (http.client) and follows no redirect, so
a subscriber cannot bounce a delivery to another address; it connects to the
address ``targets.resolve`` checked (see ``targets`` for what is refused).
"""
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from engine import generation
from engine.identity.masking import mask_data
from engine.models import WebhookDelivery, WebhookSubscription

from . import targets

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=10)   # then 20 s, 40 s, … capped at LONGEST_RETRY
LONGEST_RETRY = timedelta(hours=1)
TIMEOUT_SECONDS = 10
LEASE = timedelta(seconds=TIMEOUT_SECONDS + 50)
SIGNATURE_HEADER = "X-Tongban-Signature"
USER_AGENT = "Tongban-Webhooks/1"
SCOPE_OWN, SCOPE_ALL = "own", "all"   # cases started by the owner, or every case


# ---- writing the outbox (inside the caller's unit of work) -------------------

def _subscriptions(session):
    """Active subscriptions, read again only after a change (engine.generation)."""
    return generation.cached(session, generation.CONFIGURATION, "webhook_subscriptions", lambda: session.execute(
        sa.select(WebhookSubscription.id, WebhookSubscription.owner, WebhookSubscription.scope,
                  WebhookSubscription.events).where(WebhookSubscription.active.is_(True))).all())


def enqueue(session, case, event):
    """Add an outbox row for every subscription that wants ``event`` of ``case``."""
    wanted = [s for s in _subscriptions(session)
              if event.type in (s.events or []) and (s.scope == SCOPE_ALL or s.owner == case.started_by)]
    if not wanted:
        return
    payload = {
        "type": event.type, "seq": event.seq, "at": event.at.isoformat(), "actor": event.actor,
        "task_id": event.task_id, "element_id": event.element_id, "data": event.data,
        "case": {"id": case.id, "number": case.number, "process": case.process_key, "status": case.status},
    }
    payload = mask_data(payload)  # subscribers are systems, not the applicant: numbers go out masked
    for sub in wanted:
        session.add(WebhookDelivery(subscription_id=sub.id, case_id=case.id, event_seq=event.seq,
                                    event_type=event.type, payload=payload, status=PENDING,
                                    next_attempt_at=event.at, created_at=event.at))


# ---- delivering ---------------------------------------------------------------

def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts):
    """Wait before attempt ``attempts + 1``: 10 s, 20 s, 40 s, … at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the subscriber's host."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, secret, delivery_id, event_type, body, timeout=TIMEOUT_SECONDS):
    """POST one delivery; returns (status_code or None, error text or None).

    The error text says what kind of failure it was and nothing more: for a refused
    address it does not say whether anything listens there.
    """
    parts = urlsplit(url)
    https = parts.scheme == "https"
    try:
        port = parts.port or (443 if https else 80)
        address = targets.resolve(parts.hostname, port)
    except targets.TargetRefused as exc:
        return None, str(exc)
    except ValueError:
        return None, "回调地址不合法"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = (_PinnedHTTPS if https else _PinnedHTTP)(parts.hostname, port, address, timeout)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(secret, body), "X-Tongban-Event": event_type,
            "X-Tongban-Delivery": str(delivery_id)})
        response = conn.getresponse()
        response.read(1024)
        status = response.status
    except (socket.timeout, TimeoutError):
        return None, "连接超时"
    except ssl.SSLError:
        return None, "TLS 握手失败"
    except (OSError, http.client.HTTPException):  # refused, reset, unreachable, garbled answer
        return None, "连接失败"
    finally:
        conn.close()
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"      # 3xx included: redirects are not followed


def body_of(delivery_id, payload):
    return json.dumps({"delivery": delivery_id, **payload}, ensure_ascii=False, sort_keys=True).encode()


def _claim(engine, worker, limit):
    now = engine.clock.now()
    with engine.db.write() as session:
        q = (sa.select(WebhookDelivery)
             .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
                    sa.or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
        if engine.db.is_postgres:
            q = q.with_for_update(skip_locked=True)
        rows = session.scalars(q).all()
        subs = {s.id: s for s in session.scalars(sa.select(WebhookSubscription).where(
            WebhookSubscription.id.in_({r.subscription_id for r in rows})))}
        claimed = []
        for row in rows:
            row.locked_by, row.locked_until = worker, now + LEASE
            sub = subs[row.subscription_id]
            claimed.append((row.id, sub.url, sub.secret, row.event_type, body_of(row.id, row.payload)))
        return claimed


def _record(engine, worker, delivery_id, code, error):
    now = engine.clock.now()
    with engine.db.write() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or row.locked_by != worker or row.status != PENDING:
            return
        row.attempts += 1
        row.last_attempt_at, row.last_status_code, row.locked_by, row.locked_until = now, code, None, None
        if code is not None and 200 <= code < 300:
            row.status, row.delivered_at, row.last_error, row.next_attempt_at = DELIVERED, now, None, None
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error, row.next_attempt_at = FAILED, error, None
        else:
            row.last_error, row.next_attempt_at = error, now + backoff(row.attempts)


def deliver_due(engine, limit=20, worker=None, timeout=TIMEOUT_SECONDS):
    """Send up to ``limit`` due deliveries; returns how many were attempted.

    Safe to call from several processes at once: each row is leased by one.
    """
    worker = worker or getattr(getattr(engine, "management", None), "worker", None) or "webhooks"
    claimed = _claim(engine, worker, limit)
    for delivery_id, url, secret, event_type, body in claimed:
        code, error = post(url, secret, delivery_id, event_type, body, timeout=timeout)
        if error:
            log.info("webhook delivery %s to %s failed: %s", delivery_id, url, error)
        _record(engine, worker, delivery_id, code, error)
    return len(claimed)


