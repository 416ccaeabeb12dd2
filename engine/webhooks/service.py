"""Webhook subscriptions and their deliveries, as integrators manage them."""
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa

from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import WebhookDelivery, WebhookSubscription, utcnow

from . import targets
from .outbox import CANCELLED, FAILED, PENDING, SCOPE_OWN, deliver_due


def event_types():
    from engine.history import EVENT_TYPES
    return EVENT_TYPES


def check_url(url):
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InvalidInput("回调地址必须是 http(s) 地址", details={"url": "必须是 http:// 或 https:// 开头的完整地址"})
    if parts.username or parts.password:
        raise InvalidInput("回调地址不能包含用户名或密码", details={"url": "不能包含用户名或密码"})
    try:
        parts.port
        targets.check_subscription(parts.hostname)
    except ValueError:
        raise InvalidInput("回调地址端口不合法", details={"url": "端口不合法"}) from None
    except targets.TargetRefused:
        raise InvalidInput("回调地址不能指向本机、内网、链路本地或组播地址（管理员可用 TONGBAN_WEBHOOK_ALLOW 放行内网地址）",
                           details={"url": "地址不在允许范围内"}, code="webhook_target_refused") from None


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
