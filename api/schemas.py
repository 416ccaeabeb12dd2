"""marshmallow schemas: the only shapes that cross the HTTP boundary.

Request schemas reject unknown fields; response schemas dump plain dicts or
detached rows and are what the OpenAPI document shows.
"""
from marshmallow import Schema, fields, validate

from engine.history import EVENT_TYPES
from engine.identity import ROLES

CASE_STATUSES = ("running", "completed", "terminated")
TASK_STATES = ("READY", "COMPLETED", "CANCELLED")
MAX_PAGE_SIZE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "稳定的英文错误码，供程序判断"})
    message = fields.String(required=True, metadata={"description": "中文说明，供人阅读"})
    details = fields.Raw(allow_none=True, metadata={"description": "细节，例如逐字段的校验消息"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PageSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


# ---- session -----------------------------------------------------------------------

class LoginSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class WhoSchema(Schema):
    user = fields.String()
    role = fields.String(metadata={"enum": list(ROLES)})
    groups = fields.List(fields.String())
    csrf_token = fields.String(allow_none=True, metadata={"description": "浏览器会话的 CSRF 令牌；令牌认证时为 null"})
    auth = fields.String(metadata={"enum": ["session", "token"]})


# ---- tokens ------------------------------------------------------------------------

class TokenArgs(Schema):
    user = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "管理员可查看他人的令牌"})


class TokenCreateSchema(Schema):
    user = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "默认本人；管理员可为他人创建"})
    days = fields.Integer(load_default=90, validate=validate.Range(min=0, max=3650),
                          metadata={"description": "有效天数；0 表示不过期"})


class TokenSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema))


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "令牌明文，只返回这一次"})


# ---- jobs --------------------------------------------------------------------------

class JobSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    element_id = fields.String()
    due_at = fields.DateTime()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))


# ---- definitions -------------------------------------------------------------------

class DefinitionArgs(Schema):
    kind = fields.String(validate=validate.OneOf(["bpmn", "dmn", "form"]))
    all_versions = fields.Boolean(load_default=False)


class VersionArgs(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=1_000_000))


class DefinitionSchema(Schema):
    kind = fields.String()
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String(allow_none=True)


class DefinitionListSchema(Schema):
    items = fields.List(fields.Nested(DefinitionSchema))


class DefinitionSourceSchema(DefinitionSchema):
    source = fields.String()


class UploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": ".bpmn、.dmn、.form 或 .matter.json；可重复以一起部署"})


class DeployedSchema(Schema):
    kind = fields.String()
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    created = fields.Boolean()


class DeployResultSchema(DeployedSchema):
    deployed = fields.List(fields.Nested(DeployedSchema))


class MatterSchema(Schema):
    process_key = fields.String()
    name = fields.String()
    department = fields.String()
    base_code = fields.String(allow_none=True)
    implementation_code = fields.String(allow_none=True)
    legal_limit_days = fields.Integer(allow_none=True)
    promised_limit_days = fields.Integer(allow_none=True)
    guide = fields.Dict()


class MatterListSchema(Schema):
    items = fields.List(fields.Nested(MatterSchema))


# ---- cases and tasks ---------------------------------------------------------------

class ApplicantSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "org"]))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CaseCreateSchema(Schema):
    process = fields.String(required=True, validate=validate.Length(min=1, max=200))
    applicant = fields.Nested(ApplicantSchema, required=True)
    data = fields.Dict(keys=fields.String(), load_default=dict)


class MessageSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict)


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class TaskBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    lane = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": list(TASK_STATES)})
    assignee = fields.String(allow_none=True)


class TaskCaseSchema(Schema):
    number = fields.String()
    process = fields.String(attribute="process_key")
    applicant_name = fields.String()
    status = fields.String(metadata={"enum": list(CASE_STATUSES)})


class TaskSchema(TaskBriefSchema):
    case_id = fields.Integer()
    case = fields.Nested(TaskCaseSchema, metadata={"description": "所属办件的编号、事项与申请人"})
    element_id = fields.String()
    form_key = fields.String(allow_none=True)
    form_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)


class TaskFormSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    schema = fields.Dict(metadata={"description": "form-js 表单定义"})


class TaskDetailSchema(TaskSchema):
    form = fields.Nested(TaskFormSchema, allow_none=True)


class TaskListSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema))


class TaskArgs(PageArgs):
    lane = fields.String(validate=validate.Length(max=200))
    case_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class DefinitionRefSchema(Schema):
    key = fields.String()
    version = fields.Integer()


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": list(CASE_STATUSES)})
    process = fields.String()
    definition = fields.Nested(DefinitionRefSchema)
    applicant = fields.Nested(ApplicantSchema)
    data = fields.Dict()
    started_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    tasks = fields.List(fields.Nested(TaskBriefSchema))


class CaseSummarySchema(CaseSchema):
    class Meta:
        exclude = ("tasks", "data")


class CaseArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(CASE_STATUSES))
    process = fields.String(validate=validate.Length(max=200))
    number = fields.String(validate=validate.Length(max=100))
    applicant_id_number = fields.String(validate=validate.Length(max=32))


class CaseListSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSummarySchema))


class TrailArgs(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID),
                           metadata={"description": "只返回序号大于此值的事件（增量拉取）"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class EventSchema(Schema):
    seq = fields.Integer()
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    task = fields.Integer(allow_none=True, attribute="task_id")
    element_id = fields.String(allow_none=True)
    data = fields.Raw(allow_none=True)
    hash = fields.String(allow_none=True, metadata={"description": "本事件内容与前一事件哈希的 SHA-256"})


class TrailSchema(Schema):
    case_id = fields.Integer()
    events = fields.List(fields.Nested(EventSchema))


class BrokenLinkSchema(Schema):
    seq = fields.Integer(allow_none=True, metadata={"description": "第一处断开的事件序号"})
    reason = fields.String(metadata={"enum": ["content_changed", "link_broken", "missing", "duplicate",
                                              "head_mismatch", "digest_mismatch"]})
    message = fields.String()


class ReplaySchema(Schema):
    case_id = fields.Integer()
    ok = fields.Boolean(metadata={"description": "按留痕的输入重演，路径与最终状态均与记录一致"})
    events = fields.Integer()
    path = fields.List(fields.String(), metadata={"description": "重演经过的环节（元素 id，按顺序）"})
    status = fields.String(allow_none=True)
    divergence = fields.Dict(allow_none=True, metadata={"description": "第一处不一致：{message}"})


class ExportSchema(Schema):
    format = fields.String()
    exported_at = fields.String()
    exported_by = fields.String(allow_none=True)
    case = fields.Dict()
    chain = fields.Dict(metadata={"description": "哈希算法与链头：可据此离线重算每条事件的哈希"})
    verification = fields.Dict()
    digest = fields.Dict(metadata={"description": "最新的每日摘要（日期与哈希）"})
    events = fields.List(fields.Dict())


class VerifySchema(Schema):
    case_id = fields.Integer()
    intact = fields.Boolean()
    events = fields.Integer()
    head = fields.String(allow_none=True, metadata={"description": "链头：最后一条事件的哈希"})
    anchored_days = fields.List(fields.String(), metadata={"description": "锚定了该办件链的每日摘要日期（UTC）"})
    broken = fields.Nested(BrokenLinkSchema, allow_none=True)


# ---- webhooks -----------------------------------------------------------------------

class WebhookCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
                         validate=validate.Length(min=1, max=len(EVENT_TYPES)))
    description = fields.String(load_default="", validate=validate.Length(max=300))


class WebhookSchema(Schema):
    id = fields.Integer()
    owner = fields.String()
    scope = fields.String(metadata={"enum": ["own", "all"]})
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "签名密钥，只在创建时返回一次"})


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema))


class DeliveryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed", "cancelled"]))


class DeliverySchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    event_type = fields.String()
    event_seq = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeliveryListSchema(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema))
