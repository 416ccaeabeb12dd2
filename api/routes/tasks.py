"""Human tasks: the inbox, claim / unclaim / complete, and the clerk operations
(退回, 转办, 委派, 加签/减签, 抄送, 撤回, 催办, 附件)."""
import base64
import json

from flask import g, request
from flask_smorest import Blueprint

from engine.errors import InvalidInput

from .. import auth
from ..auth import ADMIN, AUDITOR, CLERK, INTEGRATOR, engine
from ..present import task_bodies
from ..schemas import (AttachmentSchema, AttachmentUploadSchema, CcSchema, CompletedTaskSchema, CompleteSchema,
                       ErrorSchema, HandOverSchema, InboxArgs, InboxSchema, PageArgs, ReasonSchema, ReturnSchema, ReturnTargetListSchema, SignSchema,
                       TaskDetailSchema, TaskListSchema, TaskSchema, UnsignSchema, UrgeSchema)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks",
                description="待办任务：签收、取消签收、办理、退回、转办、委派、加签、抄送、撤回、催办")
TASK = "/<int(min=1, max=2147483647):task_id>"


@blp.route("", methods=["GET"])
@auth.one_read_session
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxSchema)
def inbox(args):
    """可办理的待办任务：本组的未签收任务和签收给自己的任务（审计员看到全部，只读）"""
    page, per_page = args["page"], args["per_page"]
    offset = (page - 1) * per_page
    q = engine().tasks.query().ready()
    if g.actor.role != AUDITOR:
        q = q.workable_by(g.actor)
    q = (q.lane(args.get("lane")).case(args.get("case_id")).search(args.get("q"))
         .process(args.get("process")).received(args.get("received_from"), args.get("received_to"))
         .sort(args["sort"]))
    total = None
    if args.get("cursor"):
        offset = 0
        total = q.count()  # over the whole filter, not only what follows the cursor
        q = q.after(decode_cursor(args["cursor"]))
    rows, counted = q.page(per_page, offset)
    next_cursor = encode_cursor(q.cursor_of(rows[-1])) if len(rows) == per_page else None
    return {"items": task_bodies(engine(), rows), "total": counted if total is None else total, "page": page,
            "per_page": per_page, "next_cursor": next_cursor}


def encode_cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(text):
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        values = None
    if not isinstance(values, list) or not all(isinstance(v, (int, str)) and not isinstance(v, bool)
                                               for v in values):
        raise InvalidInput("cursor 无效", details={"cursor": "请使用上一页返回的 next_cursor"})
    return values


@blp.route("/done", methods=["GET"])
@auth.one_read_session
@auth.requires(ADMIN, CLERK)
@blp.arguments(PageArgs, location="query")
@blp.response(200, TaskListSchema)
def done(args):
    """已办：我办理过的任务（新的在前）"""
    page, per_page = args["page"], args["per_page"]
    rows, total = engine().tasks.done_by(g.actor, per_page, (page - 1) * per_page)
    return {"items": task_bodies(engine(), rows), "total": total, "page": page, "per_page": per_page}


@blp.route("/<int(min=1, max=2147483647):task_id>", methods=["GET"])
@auth.one_read_session
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_task(task_id):
    """一个任务和它的表单定义"""
    row = engine().tasks.get(task_id, g.actor)
    body = task_bodies(engine(), [row])[0]
    body["pending_data"] = row.pending_data
    body["signers"] = engine().tasks.signers(row)
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
@blp.response(200, CompletedTaskSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="任务不可办理（已办结、已取消或被他人抢先）")
@blp.alt_response(422, schema=ErrorSchema, description="表单校验失败，details 为逐字段消息")
def complete(body, task_id):
    """提交任务表单（和审批意见）并推进办件。未签收的本组任务在同一事务中签收并办理。
    委派中的任务：受托人办理后交回所有人确认；加签任务：加签人办理后，最后一位"后加签"人办完时原任务才推进。
    响应的 next_tasks 列出本办件中调用者接着可以办理的任务"""
    row, following = engine().tasks.complete_and_next(task_id, g.actor, body["data"], body.get("opinion"))
    done, *next_tasks = task_bodies(engine(), [row, *following])
    return {**done, "next_tasks": next_tasks}


def _operation(name, schema, summary, roles=(ADMIN, CLERK)):
    """One POST /tasks/{id}/<name> route calling ``call(task_id, body)``."""
    def decorate(call):
        def view(body, task_id):
            return task_bodies(engine(), [call(task_id, body)])[0]
        view.__name__ = call.__name__
        view.__doc__ = summary
        view = blp.alt_response(409, schema=ErrorSchema, description="任务状态不允许此操作")(view)
        view = blp.alt_response(404, schema=ErrorSchema)(view)
        view = blp.alt_response(403, schema=ErrorSchema, description="不是该任务的办理组或签收人")(view)
        view = blp.alt_response(422, schema=ErrorSchema)(view)
        view = blp.response(200, TaskSchema)(view)
        view = blp.arguments(schema)(view)
        view = auth.requires(*roles)(view)
        return blp.route(f"{TASK}/{name}", methods=["POST"])(view)
    return decorate


@blp.route(f"{TASK}/return-targets", methods=["GET"])
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.response(200, ReturnTargetListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def return_targets(task_id):
    """可退回到的环节：本办件路径上已办理的前序人工环节（按流程先后）"""
    items = engine().tasks.return_targets(task_id, g.actor)
    return {"items": [{"element_id": e, "name": n} for e, n in items]}


@_operation("return", ReturnSchema, "退回到前序环节：并联分支内退回到分支前会取消其他分支，汇聚后退回会重办所有分支")
def return_task(task_id, body):
    return engine().tasks.return_to(task_id, g.actor, body["to"], body["reason"])


@_operation("transfer", HandOverSchema, "转办：任务交给另一位办理人，本人不再持有")
def transfer(task_id, body):
    return engine().tasks.transfer(task_id, g.actor, body["to"], body.get("reason"))


@_operation("delegate", HandOverSchema, "委派：受托人办理后任务连同其数据和意见交回本人确认")
def delegate(task_id, body):
    return engine().tasks.delegate(task_id, g.actor, body["to"], body.get("reason"))


@_operation("sign", SignSchema, "加签：before 加签人先办、本任务等待；after 本任务办理后加签人再办")
def sign(task_id, body):
    return engine().tasks.sign(task_id, g.actor, body["users"], body["position"], body.get("reason"))


@_operation("unsign", UnsignSchema, "减签：去掉尚未办理的加签人")
def unsign(task_id, body):
    return engine().tasks.unsign(task_id, g.actor, body["users"], body.get("reason"))


@_operation("cc", CcSchema, "抄送：收件人在“抄送我的”中只读查看办件")
def cc(task_id, body):
    return engine().tasks.cc(task_id, g.actor, body["users"], body.get("note"))


@_operation("withdraw", ReasonSchema, "撤回本人已办理的任务：下一环节尚未签收或办理时可撤回，否则 409")
def withdraw(task_id, body):
    return engine().tasks.withdraw(task_id, g.actor, body.get("reason"))


@_operation("urge", UrgeSchema, "催办：提醒任务持有人（待办角标、事件 task_urged），按任务计数",
            roles=(ADMIN, CLERK, INTEGRATOR))
def urge(task_id, body):
    return engine().tasks.urge(task_id, g.actor, body.get("message"))


@blp.route(f"{TASK}/attachments", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, AttachmentSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="类型不允许、过大或为空")
def upload_attachment(_files, task_id):
    """在任务上上传附件（multipart 字段 file）"""
    row = engine().tasks.get(task_id, g.actor)
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("请用 multipart 字段 file 上传附件", details={"file": "必填"})
    return engine().attachments.add(row.case_id, g.actor, upload.filename, upload.stream, task_id=row.id), 201
