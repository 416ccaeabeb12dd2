"""Cases: start, read, list, follow the trail, deliver messages."""
import sqlalchemy as sa
from flask import g, request, send_file
from flask_smorest import Blueprint

from engine.errors import Forbidden, InvalidInput
from engine.models import Definition

from .. import auth, idempotency
from ..applicant_view import case_for_applicant, correction_for_applicant, trail_for_applicant
from ..auth import ADMIN, APPLICANT, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR, engine
from ..present import case_detail, event_bodies, present_case, task_bodies
from ..schemas import (AttachmentListSchema, AttachmentSchema, AttachmentUploadSchema, CaseArgs, CaseCreateSchema,
                       CaseListSchema, CaseSchema, CorrectionAnswerSchema, CorrectionOpenSchema, CorrectionSchema,
                       DefinitionSourceSchema, ErrorSchema, ExportSchema, MessageSchema, ReplaySchema, TrailArgs,
                       StartedCaseSchema, TrailSchema, VerifySchema)

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases",
                description="办件：发起、查询、进度（留痕）、消息")

READERS = (ADMIN, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR, APPLICANT)  # applicant: own cases, public view


@blp.route("", methods=["POST"])
@auth.requires(ADMIN, INTEGRATOR, CLERK)
@blp.arguments(CaseCreateSchema)
@blp.response(201, StartedCaseSchema)
@blp.alt_response(409, schema=ErrorSchema, description="幂等键已用于另一个请求")
@blp.alt_response(404, schema=ErrorSchema, description="没有该流程")
@blp.alt_response(403, schema=ErrorSchema, description="窗口人员不属于该事项的收件窗口")
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 200},
                      "description": "同一键与同一请求体的重试返回同一办件"}])
def start_case(body):
    """发起办件（对接系统：网上申请；窗口人员：收件，可登记收到的材料）"""
    def produce(within):
        case, following = engine().runtime.start_and_next(body["process"], body["applicant"], body["data"], g.actor,
                                                          within=within, materials=body.get("materials"))
        return started(case.id, following)  # what the starter may work, known in the unit of work

    def recover(case_id):
        return started(case_id, engine().tasks.workable_in_case(case_id, g.actor))

    def started(case_id, following):
        body = case_detail(engine(), g.actor, case_id)
        body["next_tasks"] = task_bodies(engine(), following)
        return 201, StartedCaseSchema().dump(body)
    return idempotency.respond("POST /cases", body, produce, recover)


@blp.route("", methods=["GET"])
@auth.one_read_session
@auth.requires(*READERS)
@blp.arguments(CaseArgs, location="query")
@blp.response(200, CaseListSchema)
def list_cases(args):
    """办件列表（按角色限定范围），可按状态、流程、编号、申请人证件号过滤"""
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = (engine().runtime.query(g.actor).status(args.get("status")).process(args.get("process"))
                   .number(args.get("number")).applicant(args.get("applicant_id_number")).page(page, per_page))
    names = engine().organisation.names({c.started_by for c in rows})
    items = [present_case(c, names=names) for c in rows]
    if g.actor.role == APPLICANT:
        items = [case_for_applicant(c) for c in items]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@blp.route("/<int(min=1, max=2147483647):case_id>", methods=["GET"])
@auth.one_read_session
@auth.requires(*READERS)
@blp.response(200, CaseSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_case(case_id):
    """一个办件：状态、数据、定义版本和它的任务（申请人：本人办件的公开视图）"""
    body = case_detail(engine(), g.actor, case_id)
    if g.actor.role == APPLICANT:
        started = engine().history.trail(case_id, after_seq=0, limit=1)
        body = case_for_applicant(body, (started[0].data or {}).get("data") if started else None)
    return body


@blp.route("/<int(min=1, max=2147483647):case_id>/trail", methods=["GET"])
@auth.requires(*READERS)
@blp.arguments(TrailArgs, location="query")
@blp.response(200, TrailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def trail(args, case_id):
    """办件的全程留痕（按序号递增；after 参数可增量拉取）"""
    engine().runtime.get(case_id, g.actor)
    events = engine().history.trail(case_id, after_seq=args["after"], limit=args["limit"])
    bodies = event_bodies(engine(), events)
    if g.actor.role == APPLICANT:
        bodies = trail_for_applicant(bodies)
    return {"case_id": case_id, "events": bodies}


@blp.route("/<int(min=1, max=2147483647):case_id>/verify", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.response(200, VerifySchema)
@blp.alt_response(404, schema=ErrorSchema)
def verify(case_id):
    """核验办件留痕的哈希链：完整，或第一处断开的位置（被改动、删除或调换的事件）"""
    engine().runtime.get(case_id, g.actor)
    return engine().history.verify(case_id).to_dict()


@blp.route("/<int(min=1, max=2147483647):case_id>/replay", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.response(200, ReplaySchema)
@blp.alt_response(404, schema=ErrorSchema)
def replay(case_id):
    """按留痕记录的输入在内存中重演办件（原流程版本、原时刻），核对路径与最终状态是否一致"""
    engine().runtime.get(case_id, g.actor)
    return engine().history.replay(case_id).to_dict()


@blp.route("/<int(min=1, max=2147483647):case_id>/export", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.response(200, ExportSchema)
@blp.alt_response(404, schema=ErrorSchema)
def export(case_id):
    """导出办件的全部留痕（JSON），附哈希链头与核验结果，导出文件日后可自行核对"""
    engine().runtime.get(case_id, g.actor)
    return engine().history.export(case_id, g.actor)


@blp.route("/<int(min=1, max=2147483647):case_id>/diagram", methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, DefinitionSourceSchema)
@blp.alt_response(404, schema=ErrorSchema)
def diagram(case_id):
    """办件所用流程版本的 BPMN 源文件（能看到办件的工作人员都能看到它的流程图；申请人看办理进度）"""
    if g.actor.role == APPLICANT:  # lanes, scripts and rules are internal
        raise Forbidden("申请人请查看办理进度", details={"role": APPLICANT})
    case = engine().runtime.get(case_id, g.actor)
    with engine().db.read() as session:
        return session.get(Definition, case.definition_id, options=[sa.orm.undefer(Definition.source)])


@blp.route("/<int(min=1, max=2147483647):case_id>/messages", methods=["POST"])
@auth.requires(ADMIN, INTEGRATOR, CLERK)
@blp.arguments(MessageSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="没有环节在等待该消息")
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 200}}])
def send_message(body, case_id):
    """向办件发送消息（如缴费完成、补正材料已上传），交给正在等待它的环节；窗口人员可为本部门的等待环节登记"""
    engine().runtime.get(case_id, g.actor)

    def produce(within):
        engine().runtime.send_message(case_id, body["name"], body["data"], g.actor, within=within)
        return recover(case_id)

    def recover(_case_id):
        return 200, CaseSchema().dump(case_detail(engine(), g.actor, case_id))
    return idempotency.respond(f"POST /cases/{case_id}/messages", body, produce, recover)


@blp.route("/<int(min=1, max=2147483647):case_id>/correction", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(CorrectionOpenSchema)
@blp.response(201, CorrectionSchema)
@blp.alt_response(403, schema=ErrorSchema, description="不是正在办理本办件的人员")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="已有未答复的补正告知，或办件已办结")
@blp.alt_response(422, schema=ErrorSchema)
def open_correction(body, case_id):
    """补正告知：一次性列出全部需补正的材料和问题；答复前办件的待办任务暂停"""
    return engine().runtime.open_correction(case_id, g.actor, body["items"], body.get("reason")), 201


@blp.route("/<int(min=1, max=2147483647):case_id>/correction/answer", methods=["POST"])
@auth.requires(ADMIN, CLERK, INTEGRATOR, APPLICANT)
@blp.arguments(CorrectionAnswerSchema)
@blp.response(200, CorrectionSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="没有未答复的补正告知")
@blp.alt_response(422, schema=ErrorSchema)
def answer_correction(body, case_id):
    """补正答复：窗口人员代录或对接系统代提交（数据并入办件）；申请人网上补正（只上传材料文件并写说明）"""
    notice = engine().runtime.answer_correction(case_id, g.actor, body["data"], body["uploads"])
    return correction_for_applicant(notice) if g.actor.role == APPLICANT else notice


@blp.route("/<int(min=1, max=2147483647):case_id>/attachments", methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, AttachmentListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_attachments(case_id):
    """办件的附件：名称、大小、SHA-256、上传人与时间"""
    engine().runtime.get(case_id, g.actor)
    items = engine().attachments.list(case_id)
    if g.actor.role == APPLICANT:  # who in the office uploaded a file is internal
        items = [{**{f: getattr(a, f) for f in AttachmentSchema().fields}, "task_id": None,
                  "uploaded_by": "申请人" if a.uploaded_by == g.actor.name else "工作人员"} for a in items]
    return {"items": items}


@blp.route("/<int(min=1, max=2147483647):case_id>/attachments", methods=["POST"])
@auth.requires(ADMIN, CLERK, INTEGRATOR)
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, AttachmentSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="类型不允许、过大或为空")
def upload_attachment(_files, case_id):
    """在办件上上传附件（multipart 字段 file）"""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("请用 multipart 字段 file 上传附件", details={"file": "必填"})
    return engine().attachments.add(case_id, g.actor, upload.filename, upload.stream), 201


@blp.route("/<int(min=1, max=2147483647):case_id>/attachments/<int(min=1, max=2147483647):attachment_id>",
           methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
@blp.alt_response(404, schema=ErrorSchema)
def download_attachment(case_id, attachment_id):
    """下载附件"""
    engine().runtime.get(case_id, g.actor)
    row = engine().attachments.get(case_id, attachment_id)
    return send_file(engine().attachments.open(row), mimetype=row.content_type, as_attachment=True,
                     download_name=row.name)
