"""marshmallow schemas: the only shapes that cross the HTTP boundary.

Request schemas reject unknown fields; response schemas dump plain dicts or
detached rows and are what the OpenAPI document shows.
"""
from marshmallow import Schema, fields, validate

from engine.history import EVENT_TYPES
from engine.identity import ROLES

CASE_STATUSES = ("running", "completed", "terminated")
TASK_STATES = ("READY", "WAITING", "PENDING", "COMPLETED", "CANCELLED")
USER = validate.Length(min=1, max=100)
REASON = validate.Length(max=1000)
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
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                            metadata={"description": "审批意见，记入留痕并在办件页按环节列出"})


class ReturnTargetSchema(Schema):
    element_id = fields.String()
    name = fields.String()


class ReturnTargetListSchema(Schema):
    items = fields.List(fields.Nested(ReturnTargetSchema))


class ReturnSchema(Schema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=200),
                       metadata={"description": "退回到的环节（return-targets 中的 element_id）"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class HandOverSchema(Schema):
    to = fields.String(required=True, validate=USER, metadata={"description": "接收人的用户名"})
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class SignSchema(Schema):
    users = fields.List(fields.String(validate=USER), required=True, validate=validate.Length(min=1, max=20))
    position = fields.String(load_default="before", validate=validate.OneOf(["before", "after"]),
                             metadata={"description": "before：加签人先办，本任务等待；after：本任务办理后加签人再办"})
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class UnsignSchema(Schema):
    users = fields.List(fields.String(validate=USER), required=True, validate=validate.Length(min=1, max=20))
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class CcSchema(Schema):
    users = fields.List(fields.String(validate=USER), required=True, validate=validate.Length(min=1, max=50))
    note = fields.String(load_default="", validate=REASON)


class ReasonSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class UrgeSchema(Schema):
    message = fields.String(load_default="", validate=REASON)


class CcItemSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    task_id = fields.Integer()
    from_ = fields.String(data_key="from", attribute="from_user")
    note = fields.String()
    at = fields.DateTime()
    read = fields.Function(lambda cc: cc.read_at is not None, metadata={"type": "boolean"})


class CcListSchema(PageSchema):
    items = fields.List(fields.Nested(CcItemSchema))
    unread = fields.Integer()


class CcArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class CorrectionItemSchema(Schema):
    material = fields.String(required=True, validate=validate.Length(min=1, max=300))
    problem = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class CorrectionOpenSchema(Schema):
    items = fields.List(fields.Nested(CorrectionItemSchema), required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(load_default=None, allow_none=True, validate=REASON)


class CorrectionAnswerSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class CorrectionSchema(Schema):
    id = fields.Integer()
    open = fields.Boolean()
    items = fields.List(fields.Nested(CorrectionItemSchema))
    reason = fields.String()
    opened_by = fields.String()
    opened_at = fields.DateTime()
    answered_by = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    answer = fields.Dict(allow_none=True)


class OpinionSchema(Schema):
    task_id = fields.Integer(attribute="id")
    element_id = fields.String()
    name = fields.String()
    kind = fields.String()
    by = fields.String(attribute="completed_by", allow_none=True)
    at = fields.DateTime(attribute="completed_at", allow_none=True)
    opinion = fields.String()


class AttachmentSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


class AttachmentUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "pdf、ofd、jpg、png、txt、doc(x)、xls(x)、zip；默认不超过 20 MiB"})


class TaskBriefSchema(Schema):
    id = fields.Integer()
    element_id = fields.String()
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
    kind = fields.String(metadata={"enum": ["task", "sign"], "description": "task：流程图中的任务；sign：加签产生的任务"})
    parent_task_id = fields.Integer(allow_none=True, metadata={"description": "加签任务所属的任务"})
    sign_position = fields.String(allow_none=True, metadata={"enum": ["before", "after"]})
    owner = fields.String(allow_none=True, metadata={"description": "委派中：任务的所有人"})
    delegation = fields.String(allow_none=True, metadata={"enum": ["pending", "resolved"]})
    urge_count = fields.Integer(metadata={"description": "被催办次数"})
    last_urged_at = fields.DateTime(allow_none=True)
    opinion = fields.String(allow_none=True)
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
    pending_data = fields.Dict(allow_none=True, metadata={"description": "委派人办理后交回的数据与意见"})
    signers = fields.List(fields.Nested(TaskBriefSchema), metadata={"description": "尚未办理的加签任务（可减签）"})


class TaskListSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema))


class TaskArgs(PageArgs):
    lane = fields.String(validate=validate.Length(max=200))
    case_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "按办件编号、申请人或任务名称搜索"})
    process = fields.String(validate=validate.Length(max=200), metadata={"description": "事项（流程键）"})
    received_from = fields.Date(metadata={"description": "收到日期起（含），北京时间"})
    received_to = fields.Date(metadata={"description": "收到日期止（含），北京时间"})
    sort = fields.String(load_default="received", validate=validate.OneOf(["received", "-received", "urged"]))


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
    correction = fields.Nested(CorrectionSchema, allow_none=True, metadata={"description": "最近一次补正告知"})
    opinions = fields.List(fields.Nested(OpinionSchema), metadata={"description": "各环节的审批意见"})


class CaseSummarySchema(CaseSchema):
    class Meta:
        exclude = ("tasks", "data", "correction", "opinions")


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


class TrailSchema(Schema):
    case_id = fields.Integer()
    events = fields.List(fields.Nested(EventSchema))


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
