"""Human tasks: the inbox, and claim / unclaim / complete."""
import json

from flask import g
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, AUDITOR, CLERK, engine
from ..present import task_bodies
from ..schemas import CompleteSchema, ErrorSchema, TaskArgs, TaskDetailSchema, TaskListSchema, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务：签收、取消签收、办理")


@blp.route("", methods=["GET"])
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.arguments(TaskArgs, location="query")
@blp.response(200, TaskListSchema)
def inbox(args):
    """可办理的待办任务：本组的未签收任务和签收给自己的任务（审计员看到全部，只读）"""
    page, per_page = args["page"], args["per_page"]
    offset = (page - 1) * per_page
    if g.actor.role == AUDITOR:
        rows, total = (engine().tasks.query().ready().lane(args.get("lane")).case(args.get("case_id"))
                       .page(per_page, offset))
    else:
        rows, total = engine().tasks.inbox(g.actor, lane=args.get("lane"), case_id=args.get("case_id"),
                                           limit=per_page, offset=offset)
    return {"items": task_bodies(engine(), rows), "total": total, "page": page, "per_page": per_page}


@blp.route("/<int(min=1, max=2147483647):task_id>", methods=["GET"])
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_task(task_id):
    """一个任务和它的表单定义"""
    row = engine().tasks.get(task_id, g.actor)
    body = task_bodies(engine(), [row])[0]
    body["form"] = None
    if row.form_key:
        source = engine().repository.source("form", row.form_key, row.form_version)
        body["form"] = {"key": row.form_key, "version": row.form_version, "schema": json.loads(source)}
    return body


@blp.route("/<int(min=1, max=2147483647):task_id>/claim", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.response(200, TaskSchema)
@blp.alt_response(403, schema=ErrorSchema, description="不在该任务的办理组")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="任务不可办理或已被他人签收")
def claim(task_id):
    """签收任务"""
    return task_bodies(engine(), [engine().tasks.claim(task_id, g.actor)])[0]


@blp.route("/<int(min=1, max=2147483647):task_id>/unclaim", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.response(200, TaskSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def unclaim(task_id):
    """取消签收：把已签收的任务交还本组"""
    return task_bodies(engine(), [engine().tasks.unclaim(task_id, g.actor)])[0]


@blp.route("/<int(min=1, max=2147483647):task_id>/complete", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(CompleteSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="任务不可办理（已办结、已取消或被他人抢先）")
@blp.alt_response(422, schema=ErrorSchema, description="表单校验失败，details 为逐字段消息")
def complete(body, task_id):
    """提交任务表单并推进办件"""
    return task_bodies(engine(), [engine().tasks.complete(task_id, g.actor, body["data"])])[0]
