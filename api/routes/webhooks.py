"""Webhook subscriptions and their delivery records.

An integrator's subscription sees events of the cases it started; an admin's
sees every case. Auditors read every subscription, never change one.
"""
from flask import g
from flask_smorest import Blueprint

from engine.webhooks import SCOPE_ALL, SCOPE_OWN

from .. import auth
from ..auth import ADMIN, AUDITOR, INTEGRATOR, engine
from ..schemas import (DeliveryArgs, DeliveryListSchema, DeliverySchema, ErrorSchema, WebhookCreatedSchema,
                       WebhookCreateSchema, WebhookListSchema, WebhookSchema)

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="事件订阅（Webhook）：签名推送、失败重试、投递记录")


def service():
    return engine().webhooks


def owner_filter():
    """None (any owner) for admins and auditors, else the caller's own."""
    return None if g.actor.role in (ADMIN, AUDITOR) else g.actor.name


@blp.route("", methods=["POST"])
@auth.requires(ADMIN, INTEGRATOR)
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema)
@blp.alt_response(422, schema=ErrorSchema)
def subscribe(body):
    """订阅事件；响应里的 secret 用于校验 X-Tongban-Signature，只返回这一次"""
    scope = SCOPE_ALL if g.actor.role == ADMIN else SCOPE_OWN
    return service().subscribe(g.actor.name, body["url"], body["events"], scope, body["description"])


@blp.route("", methods=["GET"])
@auth.requires(ADMIN, INTEGRATOR, AUDITOR)
@blp.response(200, WebhookListSchema)
def list_webhooks():
    """订阅列表"""
    return {"items": service().list(owner=owner_filter())}


@blp.route("/<int(min=1, max=2147483647):webhook_id>", methods=["GET"])
@auth.requires(ADMIN, INTEGRATOR, AUDITOR)
@blp.response(200, WebhookSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_webhook(webhook_id):
    """一个订阅"""
    return service().get(webhook_id, owner=owner_filter())


@blp.route("/<int(min=1, max=2147483647):webhook_id>", methods=["DELETE"])
@auth.requires(ADMIN, INTEGRATOR)
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def unsubscribe(webhook_id):
    """停用订阅；未投递的事件随之取消，投递记录保留"""
    service().unsubscribe(webhook_id, owner=owner_filter())
    return ""


@blp.route("/<int(min=1, max=2147483647):webhook_id>/deliveries", methods=["GET"])
@auth.requires(ADMIN, INTEGRATOR, AUDITOR)
@blp.arguments(DeliveryArgs, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def deliveries(args, webhook_id):
    """投递记录（最新在前）：状态、尝试次数、最后的 HTTP 状态和错误、下次重试时间"""
    page, per_page = args["page"], args["per_page"]
    rows, total = service().deliveries(webhook_id, owner=owner_filter(), status=args.get("status"),
                                       limit=per_page, offset=(page - 1) * per_page)
    return {"items": rows, "total": total, "page": page, "per_page": per_page}


@blp.route("/<int(min=1, max=2147483647):webhook_id>/deliveries/<int(min=1, max=2147483647):delivery_id>/retry", methods=["POST"])
@auth.requires(ADMIN, INTEGRATOR)
@blp.response(200, DeliverySchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def retry(webhook_id, delivery_id):
    """立即重新投递一条失败（或已取消）的记录"""
    return service().retry(webhook_id, delivery_id, owner=owner_filter())
