"""Webhooks: integrators subscribe to trail events of cases; an outbox delivers them.

``enqueue`` runs inside ``history.append``, so an outbox row is written in the
same unit of work as the change it reports: a rolled-back change sends nothing,
a committed one is never lost. ``deliver_due`` is called by the scheduler of any
number of processes: it leases due rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), POSTs each with an HMAC-SHA256 signature over the body, and on
failure retries later with exponential backoff until it gives up.

Delivery uses the standard library (urllib) with redirects refused, so a
subscriber cannot bounce a delivery to another address.
"""
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .errors import Conflict, InvalidInput, NotFound
from .models import Base, utcnow

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


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(100), index=True)
    scope: Mapped[str] = mapped_column(sa.String(8))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list]
    secret: Mapped[str] = mapped_column(sa.String(100))  # HMAC key: must be kept, not hashed
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscription: the outbox row and its delivery record."""
    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscription.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    event_seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict]
    status: Mapped[str] = mapped_column(sa.String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(sa.String(100))
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def event_types():
    from .history import EVENT_TYPES
    return EVENT_TYPES


# ---- writing the outbox (inside the caller's unit of work) -------------------

def _subscriptions(session):
    """Active subscriptions, read once per unit of work."""
    subs = session.info.get("tongban_webhooks")
    if subs is None:
        subs = session.execute(sa.select(WebhookSubscription.id, WebhookSubscription.owner,
                                         WebhookSubscription.scope, WebhookSubscription.events)
                               .where(WebhookSubscription.active.is_(True))).all()
        session.info["tongban_webhooks"] = subs
    return subs


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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is reported as a failed attempt


_opener = urllib.request.build_opener(_NoRedirect)


def post(url, secret, delivery_id, event_type, body, timeout=TIMEOUT_SECONDS):
    """POST one delivery; returns (status_code or None, error text or None)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body), "X-Tongban-Event": event_type,
        "X-Tongban-Delivery": str(delivery_id)})
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(1024)
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except Exception as exc:  # refused, timeout, DNS: the receiver is unreachable for now
        return None, f"{type(exc).__name__}: {exc}"[:1000]


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


# ---- the service the API calls ---------------------------------------------------

def check_url(url):
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput("回调地址必须是 http(s) 地址", details={"url": "必须是 http:// 或 https:// 开头的完整地址"})
    if parts.username or parts.password:
        raise InvalidInput("回调地址不能包含用户名或密码", details={"url": "不能包含用户名或密码"})


def check_events(events):
    known = event_types()
    unknown = sorted({e for e in events or [] if e not in known})
    if not events or unknown:
        raise InvalidInput("事件类型不合法", details={"events": f"可选：{', '.join(known)}", "unknown": unknown})


class WebhookService:
    """Subscriptions and their deliveries. ``owner=None`` means any owner (admins, auditors)."""

    def __init__(self, engine):
        self.engine = engine

    def subscribe(self, owner, url, events, scope=SCOPE_OWN, description=""):
        """Returns the subscription row; its ``secret`` is shown to the caller once."""
        check_url(url)
        check_events(events)
        with self.engine.db.write() as session:
            sub = WebhookSubscription(owner=owner, scope=scope, url=url, events=list(dict.fromkeys(events)),
                                      secret="whsec_" + secrets.token_urlsafe(32),
                                      description=description or "", active=True, created_at=utcnow())
            session.add(sub)
            session.flush()
            return sub

    def list(self, owner=None, include_inactive=False):
        with self.engine.db.read() as session:
            q = sa.select(WebhookSubscription).order_by(WebhookSubscription.id)
            if owner is not None:
                q = q.where(WebhookSubscription.owner == owner)
            if not include_inactive:
                q = q.where(WebhookSubscription.active.is_(True))
            return session.scalars(q).all()

    def get(self, subscription_id, owner=None):
        with self.engine.db.read() as session:
            return self._get(session, subscription_id, owner)

    @staticmethod
    def _get(session, subscription_id, owner):
        sub = session.get(WebhookSubscription, subscription_id)
        if sub is None or (owner is not None and sub.owner != owner):
            raise NotFound("订阅不存在", details={"webhook_id": subscription_id})
        return sub

    def unsubscribe(self, subscription_id, owner=None):
        """Deactivate; the delivery history stays readable, pending deliveries are cancelled."""
        with self.engine.db.write() as session:
            sub = self._get(session, subscription_id, owner)
            sub.active = False
            session.execute(sa.update(WebhookDelivery)
                            .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == PENDING)
                            .values(status=CANCELLED, next_attempt_at=None))
            return sub

    def deliveries(self, subscription_id, owner=None, status=None, limit=50, offset=0):
        with self.engine.db.read() as session:
            self._get(session, subscription_id, owner)
            q = sa.select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
            if status:
                q = q.where(WebhookDelivery.status == status)
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            rows = session.scalars(q.order_by(WebhookDelivery.id.desc()).limit(limit).offset(offset)).all()
            return rows, total

    def retry(self, subscription_id, delivery_id, owner=None):
        """Send a failed (or cancelled) delivery again, now."""
        with self.engine.db.write() as session:
            sub = self._get(session, subscription_id, owner)
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or row.subscription_id != sub.id:
                raise NotFound("投递记录不存在", details={"delivery_id": delivery_id})
            if not sub.active:
                raise Conflict("订阅已停用，不能重新投递", details={"webhook_id": sub.id})
            if row.status in (FAILED, CANCELLED):
                row.status, row.attempts, row.next_attempt_at = PENDING, 0, self.engine.clock.now()
                row.locked_by = row.locked_until = None
            return row

    def deliver_due(self, limit=20):
        return deliver_due(self.engine, limit)
