"""Applicants (申请人): registration, 一件事 themes, online applications, drafts, material
uploads, and the credit blacklist (告知承诺, 一处失信、处处受限)."""
import os

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.errors import InvalidInput

from .. import auth, idempotency
from ..auth import ADMIN, APPLICANT, AUDITOR, CLERK, INTEGRATOR, engine
from ..schemas import ErrorSchema, WhoSchema

blp = Blueprint("applicants", __name__, url_prefix="/api/v1",
                description="申请人：注册、一件事主题、网上申请（草稿、材料上传、提交）、失信名单")

# Registrations per address: "N/SECONDS"; empty turns it off.
REGISTER_RATE = "TONGBAN_REGISTER_RATE_LIMIT"
REGISTER_DEFAULT = os.environ.get(REGISTER_RATE, "5/3600")
TARGET = r"<any(process,theme):kind>/<key>"


class RegisterSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=200), metadata={"description": "姓名或单位名称"})
    id_number = fields.String(required=True, validate=validate.Length(max=32),
                              metadata={"description": "身份证号码（自然人）或统一社会信用代码（法人）；登录名"})
    kind = fields.String(load_default="person", validate=validate.OneOf(["person", "org"]))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(load_default="", validate=validate.Length(max=32))


class ThemeMatterSchema(Schema):
    process = fields.String()
    name = fields.String()


class ThemeSchema(Schema):
    key = fields.String()
    name = fields.String()
    description = fields.String()
    matters = fields.List(fields.Nested(ThemeMatterSchema))


class ThemeListSchema(Schema):
    items = fields.List(fields.Nested(ThemeSchema))


class ApplicationCreateSchema(Schema):
    theme = fields.String(validate=validate.Length(min=1, max=200))
    process = fields.String(validate=validate.Length(min=1, max=200))
    applicant = fields.Dict(load_default=None, allow_none=True,
                            metadata={"description": "{kind, id_number, name}；申请人本人提交时可省略"})
    data = fields.Dict(keys=fields.String(), load_default=dict)
    uploads = fields.List(fields.Integer(), load_default=list, metadata={"description": "先上传的材料文件编号"})
    commitments = fields.List(fields.String(validate=validate.Length(max=300)), load_default=list,
                              metadata={"description": "以告知承诺代替的材料名称（目录中 commitment 为 true 的材料）"})


class ApplicationCaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    process = fields.String()
    matter = fields.String()
    status = fields.String()


class ApplicationSchema(Schema):
    id = fields.Integer()
    theme = fields.String(allow_none=True)
    theme_name = fields.String(allow_none=True)
    commitments = fields.List(fields.String())
    cases = fields.List(fields.Nested(ApplicationCaseSchema))


class ApplicationDraftSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)
    uploads = fields.List(fields.Integer(), load_default=list)
    commitments = fields.List(fields.String(validate=validate.Length(max=300)), load_default=list)


class MaterialFileSchema(Schema):
    id = fields.Integer()
    material = fields.String()
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class ApplicationDraftOutSchema(Schema):
    target = fields.String()
    data = fields.Dict()
    uploads = fields.List(fields.Nested(MaterialFileSchema))
    commitments = fields.List(fields.String())
    updated_at = fields.DateTime()


class MaterialFileInSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "pdf、ofd、jpg、png、txt、doc(x)、xls(x)、zip；默认不超过 20 MiB；"
                                                               "另需表单字段 material：材料名称"})


class ApplicationFormSchema(Schema):
    target = fields.String()
    kind = fields.String()
    key = fields.String()
    name = fields.String()
    description = fields.String()
    form = fields.Dict(allow_none=True, metadata={"description": "form-js 表单；事项无申请表单时为 null"})
    matters = fields.List(fields.Dict())
    materials = fields.List(fields.Dict())


class ListingSchema(Schema):
    id = fields.Integer()
    id_number = fields.String()
    name = fields.String()
    reason = fields.String()
    case_id = fields.Integer(allow_none=True)
    listed_by = fields.String()
    listed_at = fields.DateTime()
    lifted_by = fields.String(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)
    lift_reason = fields.String(allow_none=True)


class ListingListSchema(Schema):
    items = fields.List(fields.Nested(ListingSchema))


class CreditAuditSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String(metadata={"enum": ["listed", "lifted", "refused"]})
    id_number = fields.String()
    actor = fields.String(allow_none=True)
    process_key = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    message = fields.String()


class CreditAuditListSchema(Schema):
    items = fields.List(fields.Nested(CreditAuditSchema))


class LiftSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class BlacklistArgs(Schema):
    all = fields.Boolean(load_default=False, metadata={"description": "true：包括已解除的"})


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
