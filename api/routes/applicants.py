"""Applicants (申请人): registration, 一件事 themes, online applications, drafts, material
uploads, and the credit blacklist (告知承诺, 一处失信、处处受限)."""
import os

from flask import g, request
from flask_smorest import Blueprint

from engine.errors import InvalidInput

from .. import auth, idempotency
from ..auth import ADMIN, APPLICANT, AUDITOR, CLERK, INTEGRATOR, engine
from ..schemas import (
    ErrorSchema, WhoSchema, RegisterSchema, ThemeListSchema, ApplicationCreateSchema, ApplicationSchema,
    ApplicationDraftSchema, MaterialFileSchema, ApplicationDraftOutSchema, MaterialFileInSchema,
    ApplicationFormSchema, ListingSchema, ListingListSchema, CreditAuditListSchema, LiftSchema,
    BlacklistArgs,
)

blp = Blueprint("applicants", __name__, url_prefix="/api/v1",
                description="申请人：注册、一件事主题、网上申请（草稿、材料上传、提交）、失信名单")

# Registrations per address: "N/SECONDS"; empty turns it off.
REGISTER_RATE = "TONGBAN_REGISTER_RATE_LIMIT"
REGISTER_DEFAULT = os.environ.get(REGISTER_RATE, "5/3600")
TARGET = r"<any(process,theme):kind>/<key>"


# ---- registration --------------------------------------------------------------------

@blp.route("/applicants", methods=["POST"])
@blp.arguments(RegisterSchema)
@blp.response(201, WhoSchema)
@blp.alt_response(409, schema=ErrorSchema, description="该证件号码已注册")
@blp.alt_response(422, schema=ErrorSchema, description="姓名、证件号码或密码不符合要求")
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=[])
def register(body):
    """申请人注册（无需登录）：登录名为证件号码；注册后即登录（设置会话 Cookie）"""
    auth.limit(f"register:{auth.client_address()}", REGISTER_RATE, REGISTER_DEFAULT)
    user = engine().applicants.register(body)
    return auth.log_in(user.name, body["password"]), 201


# ---- themes and the application form -------------------------------------------------

@blp.route("/themes", methods=["GET"])
@blp.response(200, ThemeListSchema)
@blp.doc(security=[])
def list_themes():
    """一件事主题：名称与包含的事项（公开）"""
    auth.limit(f"anon:{auth.client_address()}", "TONGBAN_ANON_RATE_LIMIT")
    return {"items": engine().applicants.themes()}


@blp.route(f"/application-forms/{TARGET}", methods=["GET"])
@blp.response(200, ApplicationFormSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=[])
def application_form(kind, key):
    """网上申请页面所需：申请表单（form-js）、事项和材料清单（公开）"""
    actor = auth.optional_actor()
    if actor is None:
        auth.limit(f"anon:{auth.client_address()}", "TONGBAN_ANON_RATE_LIMIT")
    holder = actor.id_number if actor is not None and actor.role == APPLICANT else None
    return engine().applicants.form_for(f"{kind}:{key}", holder=holder)


# ---- applications ---------------------------------------------------------------------

def application_body(application_id):
    row, cases = engine().applicants.application(application_id, g.actor)
    return engine().applicants.siblings(cases[0])


@blp.route("/applications", methods=["POST"])
@auth.requires(ADMIN, INTEGRATOR, APPLICANT, CLERK)
@blp.arguments(ApplicationCreateSchema)
@blp.response(201, ApplicationSchema)
@blp.alt_response(404, schema=ErrorSchema, description="没有该事项或主题")
@blp.alt_response(422, schema=ErrorSchema, description="申请数据、材料或告知承诺不符合要求；失信申请人不能告知承诺")
@blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 200}}])
def submit(body):
    """提交申请：一个事项，或一件事主题的全部事项（一张表单，在一个事务中发起全部办件）"""
    if bool(body.get("theme")) == bool(body.get("process")):
        raise InvalidInput("请给出 theme（一件事主题）或 process（事项）之一", details={"theme": "二选一", "process": "二选一"})
    target = f"theme:{body['theme']}" if body.get("theme") else f"process:{body['process']}"

    def produce(within):
        application, cases = engine().applicants.submit(g.actor, target, body["applicant"], body["data"],
                                                        body["uploads"], body["commitments"], within=within)
        return recover(cases[0].id)

    def recover(case_id):
        case = engine().runtime.get(case_id, g.actor)
        return 201, ApplicationSchema().dump(engine().applicants.siblings(case))
    return idempotency.respond("POST /applications", body, produce, recover)


@blp.route("/applications/<int(min=1, max=2147483647):application_id>", methods=["GET"])
@auth.requires(ADMIN, AUDITOR, CLERK, INTEGRATOR, APPLICANT, auth.SUPERVISOR)
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_application(application_id):
    """一次申请及其全部办件（一件事的各事项办件一起显示）"""
    return application_body(application_id)


# ---- drafts and uploads (the applicant's own) -----------------------------------------

def draft_body(target, row, files):
    return {"target": target, "data": row.data, "uploads": files, "commitments": row.commitments,
            "updated_at": row.updated_at}


@blp.route(f"/application-drafts/{TARGET}", methods=["GET"])
@auth.requires(APPLICANT)
@blp.response(200, ApplicationDraftOutSchema)
@blp.alt_response(404, schema=ErrorSchema, description="没有草稿")
def get_draft(kind, key):
    """本人对该事项或主题的草稿"""
    row, files = engine().applicants.draft(g.actor, f"{kind}:{key}")
    return draft_body(f"{kind}:{key}", row, files)


@blp.route(f"/application-drafts/{TARGET}", methods=["PUT"])
@auth.requires(APPLICANT)
@blp.arguments(ApplicationDraftSchema)
@blp.response(200, ApplicationDraftOutSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def save_draft(body, kind, key):
    """保存草稿（不校验必填项；提交时再校验）"""
    target = f"{kind}:{key}"
    engine().applicants.save_draft(g.actor, target, body["data"], body["uploads"], body["commitments"])
    row, files = engine().applicants.draft(g.actor, target)
    return draft_body(target, row, files)


@blp.route(f"/application-drafts/{TARGET}", methods=["DELETE"])
@auth.requires(APPLICANT)
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def delete_draft(kind, key):
    """删除草稿"""
    engine().applicants.delete_draft(g.actor, f"{kind}:{key}")
    return ""


@blp.route("/uploads", methods=["POST"])
@auth.requires(APPLICANT, INTEGRATOR, ADMIN)
@blp.arguments(MaterialFileInSchema, location="files")
@blp.response(201, MaterialFileSchema)
@blp.alt_response(422, schema=ErrorSchema, description="类型不允许、过大或为空")
def upload(_files):
    """上传申请材料（multipart 字段 file 与 material）；提交申请时以返回的编号引用"""
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("请用 multipart 字段 file 上传材料", details={"file": "必填"})
    return engine().applicants.upload(g.actor, request.form.get("material"), file.filename, file.stream), 201


# ---- credit blacklist ---------------------------------------------------------------

@blp.route("/blacklist", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.arguments(BlacklistArgs, location="query")
@blp.response(200, ListingListSchema)
def blacklist(args):
    """失信名单（告知承诺不实者）"""
    return {"items": engine().applicants.blacklist(include_lifted=args["all"])}


@blp.route("/blacklist/<id_number>/lift", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(LiftSchema)
@blp.response(200, ListingSchema)
@blp.alt_response(404, schema=ErrorSchema, description="不在失信名单中")
@blp.alt_response(422, schema=ErrorSchema)
def lift(body, id_number):
    """解除失信（须填写理由，留痕）"""
    return engine().applicants.lift(g.actor, id_number, body["reason"])


@blp.route("/blacklist/audit", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.response(200, CreditAuditListSchema)
def credit_audit():
    """失信名单的记录：列入、解除、因失信被拒绝的告知承诺或容缺"""
    return {"items": engine().applicants.credit_audit()}
