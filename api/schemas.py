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
    display_name = fields.String(metadata={"description": "姓名"})
    department = fields.String(allow_none=True, metadata={"description": "部门名称"})
    role = fields.String(metadata={"enum": list(ROLES)})
    groups = fields.List(fields.String())
    password_change_required = fields.Boolean(
        metadata={"description": "true：须先修改密码（POST /api/v1/session/password），其他接口返回 403"})
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


class IncidentSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    operation = fields.String()
    case_id = fields.Integer(allow_none=True)
    process_key = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    message = fields.String()
    details = fields.Dict(allow_none=True)


class IncidentListSchema(PageSchema):
    items = fields.List(fields.Nested(IncidentSchema))


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
    warnings = fields.List(fields.Nested(lambda: LaneWarningSchema()),
                           metadata={"description": "泳道对应的办理组没有启用成员（仍已部署）"})


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
    materials = fields.Dict(keys=fields.String(validate=validate.Length(max=200)),
                            values=fields.String(validate=validate.OneOf(["original", "upload", "copy"])),
                            load_default=None, validate=validate.Length(max=100),
                            metadata={"description": "收件：{材料名称: original 已核验原件 | upload 已上传 | copy 已收复印件}"})


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
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "补正数据（并入办件）；申请人只能写 note（说明）"})
    uploads = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=100),
                          metadata={"description": "POST /uploads 得到的材料文件编号，成为办件附件"})


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


CARDS = ("", "warning", "yellow", "red")
CARD_DOC = "督办牌：空=正常，warning=预警，yellow=黄牌，red=红牌"


class TaskBriefSchema(Schema):
    id = fields.Integer()
    element_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": list(TASK_STATES)})
    assignee = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "环节时限（工作日）的截止时间"})
    card = fields.String(metadata={"enum": list(CARDS), "description": CARD_DOC})
    assignee_name = fields.String(allow_none=True, metadata={"description": "签收人姓名"})
    assignee_department = fields.String(allow_none=True, metadata={"description": "签收人部门"})


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
    limit_days = fields.Integer(allow_none=True, metadata={"description": "环节时限，工作日"})
    completed_by_name = fields.String(allow_none=True, metadata={"description": "办理人姓名"})
    completed_by_department = fields.String(allow_none=True)


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


class ClockSchema(Schema):
    started_at = fields.DateTime(allow_none=True, metadata={"description": "开始计时（受理）的时间"})
    legal_due = fields.DateTime(allow_none=True, metadata={"description": "法定时限截止"})
    promised_due = fields.DateTime(allow_none=True, metadata={"description": "承诺时限截止"})
    paused_days = fields.Integer(metadata={"description": "暂停计时（补正、特别程序、容缺等待）的工作日数"})
    paused = fields.Boolean()
    pause_reason = fields.String(allow_none=True)
    card = fields.String(metadata={"enum": list(CARDS), "description": CARD_DOC})
    card_label = fields.String()


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": list(CASE_STATUSES)})
    process = fields.String()
    definition = fields.Nested(DefinitionRefSchema)
    applicant = fields.Nested(ApplicantSchema)
    data = fields.Dict()
    started_by = fields.String(allow_none=True)
    started_by_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "办结结果：准予、不予许可、不予受理、逾期未补正…"})
    channel = fields.String(allow_none=True, metadata={"description": "申请渠道：online 网上、window 窗口"})
    clock = fields.Nested(ClockSchema)
    tasks = fields.List(fields.Nested(TaskBriefSchema))
    correction = fields.Nested(CorrectionSchema, allow_none=True, metadata={"description": "最近一次补正告知"})
    opinions = fields.List(fields.Nested(OpinionSchema), metadata={"description": "各环节的审批意见"})
    application = fields.Dict(allow_none=True, metadata={
        "description": "一同申请的办件（一件事）：{id, theme, theme_name, commitments, cases:[{id, number, process, matter, status}]}"})

    waiting = fields.List(fields.Nested("WaitingSchema"), metadata={"description": "办件正在等待的消息、定时器"})
    notices = fields.List(fields.Nested("NoticeSchema"), metadata={"description": "已出具的文书（受理通知书等）"})
    delivery = fields.Dict(allow_none=True, metadata={"description": "出件/送达情况"})
    delivery_text = fields.String(allow_none=True, metadata={"description": "送达情况（文字）"})


class CaseSummarySchema(CaseSchema):
    class Meta:
        exclude = ("tasks", "data", "correction", "opinions", "application", "waiting", "notices", "delivery",
                   "delivery_text")


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
    actor = fields.String(allow_none=True, metadata={"description": "登录名；系统事件为 null"})
    actor_name = fields.String(allow_none=True, metadata={"description": "姓名（查询时按登录名解析）"})
    actor_department = fields.String(allow_none=True, metadata={"description": "部门名称"})
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


class SpecialProcedureSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审、公示、其他"},
                         validate=validate.Length(max=20))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class SpecialProcedureEndSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class StatsArgs(Schema):
    start = fields.Date(data_key="from", metadata={"description": "统计区间开始（含），默认 30 天前"})
    end = fields.Date(data_key="to", metadata={"description": "统计区间结束（含），默认今天"})
    department = fields.String(validate=validate.Length(max=200))
    process = fields.String(validate=validate.Length(max=200))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class StatsSchema(Schema):
    period = fields.Dict()
    received = fields.Integer()
    ended = fields.Integer()
    per_day = fields.List(fields.Dict())
    rates = fields.Dict(metadata={"description": "on_time 按时办结率、instant 即办率、once 一次办率、online 网上办理率"})
    average_days = fields.List(fields.Dict())
    open_cards = fields.List(fields.Dict())
    overdue = fields.List(fields.Dict())
    ratings = fields.List(fields.Dict())


class OverdueSchema(Schema):
    number = fields.String()
    matter = fields.String()
    department = fields.String()
    card = fields.String()
    promised_due = fields.DateTime(allow_none=True)
    legal_due = fields.DateTime(allow_none=True)


class OverdueListSchema(Schema):
    items = fields.List(fields.Nested(OverdueSchema))


class StatusSchema(Schema):
    code = fields.String(metadata={"description": "received 已接件、accepted 已受理、refused 不予受理、correction_started/ended "
                                                  "补正开始/结束、special_started/ended 特别程序开始/结束、approved 办结（通过）、"
                                                  "approved_tolerated 办结（容缺通过）、denied 办结（不通过）、withdrawn 撤回、"
                                                  "revoked 撤销、terminated 终止"})
    name = fields.String()
    at = fields.DateTime()
    seq = fields.Integer(metadata={"description": "对应的留痕事件序号"})


class StatusHistorySchema(Schema):
    case_id = fields.Integer()
    number = fields.String()
    items = fields.List(fields.Nested(StatusSchema))


# ---- organisation: people, departments, groups ---------------------------------------

LOGIN = validate.Length(min=1, max=100)
CODE = validate.Length(min=1, max=64)
GROUP_NAME = validate.Length(min=1, max=200)
GROUP_KINDS = ("department", "section", "team")


class PersonRefSchema(Schema):
    """A person as a picker or a list shows them: login name, real name, department."""
    name = fields.String(metadata={"description": "登录名"})
    display_name = fields.String(metadata={"description": "姓名"})
    department = fields.Function(lambda u: u.department.code if u.department else None, allow_none=True)
    department_name = fields.Function(lambda u: u.department.name if u.department else None, allow_none=True)
    position = fields.String()


class UserSchema(PersonRefSchema):
    role = fields.String(metadata={"enum": list(ROLES)})
    phone = fields.String()
    groups = fields.List(fields.String(), attribute="group_names")
    active = fields.Boolean()
    password_change_required = fields.Boolean(metadata={"description": "下次登录须修改密码"})
    created_at = fields.DateTime()


class UserListSchema(PageSchema):
    items = fields.List(fields.Nested(UserSchema))


class UserArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "按登录名、姓名、电话、职务搜索"})
    department = fields.String(validate=CODE, metadata={"description": "部门编码（含下级部门）"})
    group = fields.String(validate=GROUP_NAME)
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()


class UserCreateSchema(Schema):
    name = fields.String(required=True, validate=LOGIN, metadata={"description": "登录名"})
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "姓名"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    department = fields.String(allow_none=True, validate=CODE, metadata={"description": "部门编码"})
    groups = fields.List(fields.String(validate=GROUP_NAME), load_default=list, validate=validate.Length(max=100))
    position = fields.String(validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=32))
    password = fields.String(validate=validate.Length(min=1, max=200),
                             metadata={"description": "不填则生成一个，只在响应中出现一次，首次登录须修改"})
    password_change_required = fields.Boolean(metadata={"description": "首次登录须修改密码"})


class UserUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    department = fields.String(allow_none=True, validate=CODE, metadata={"description": "调动到此部门（编码）"})
    groups = fields.List(fields.String(validate=GROUP_NAME), validate=validate.Length(max=100))
    position = fields.String(validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=32))
    active = fields.Boolean(metadata={"description": "false：停用；其已签收的待办退回所在组"})
    password_change_required = fields.Boolean()


class UserCreatedSchema(UserSchema):
    password = fields.String(allow_none=True, metadata={"description": "生成的密码，只返回这一次；自定密码时为 null"})


class UserUpdatedSchema(UserSchema):
    released_tasks = fields.List(fields.Integer(), metadata={"description": "停用时退回组内的任务"})


class PasswordResetSchema(Schema):
    password = fields.String(metadata={"description": "新密码，只返回这一次；下次登录须修改"})


class SessionInfoSchema(Schema):
    id = fields.Function(lambda s: s.id_hash[:12], metadata={"description": "会话标识（摘要前缀）"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class SessionListSchema(Schema):
    items = fields.List(fields.Nested(SessionInfoSchema))


class SessionsEndedSchema(Schema):
    ended = fields.Integer(metadata={"description": "结束的会话数"})


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "1：只检查、不导入（默认）"})


class ImportSchema(Schema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=1_000_000),
                        metadata={"description": "UTF-8 CSV：name,display_name,role,department,groups,position,"
                                                 "phone,password（groups 用分号分隔）"})


class ImportProblemSchema(Schema):
    line = fields.Integer()
    name = fields.String()
    problems = fields.Dict(keys=fields.String(), values=fields.String())


class ImportCreatedSchema(Schema):
    line = fields.Integer()
    name = fields.String()
    password = fields.String(allow_none=True, metadata={"description": "生成的密码，只返回这一次"})


class ImportReportSchema(Schema):
    dry_run = fields.Boolean()
    valid = fields.Integer(metadata={"description": "无问题的行数"})
    problems = fields.List(fields.Nested(ImportProblemSchema))
    created = fields.List(fields.Nested(ImportCreatedSchema))


class DepartmentSchema(Schema):
    code = fields.String()
    name = fields.String()
    parent = fields.Function(lambda d: d.parent.code if d.parent else None, allow_none=True)


class DepartmentListSchema(Schema):
    items = fields.List(fields.Nested(DepartmentSchema))


class DepartmentCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent = fields.String(allow_none=True, validate=CODE, metadata={"description": "上级部门编码；空为顶级"})


class DepartmentUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    parent = fields.String(allow_none=True, validate=CODE, metadata={"description": "移到此部门之下；null 为顶级"})


class GroupRefSchema(Schema):
    name = fields.String(metadata={"description": "组名：泳道按此名称匹配"})
    display_name = fields.String()
    kind = fields.String(metadata={"enum": list(GROUP_KINDS)})
    department = fields.Function(lambda g: g.department.code if g.department else None, allow_none=True)
    department_name = fields.Function(lambda g: g.department.name if g.department else None, allow_none=True)


class GroupSchema(GroupRefSchema):
    member_count = fields.Integer(metadata={"description": "启用的成员数"})


class GroupListSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema))


class GroupCreateSchema(Schema):
    name = fields.String(required=True, validate=GROUP_NAME)
    display_name = fields.String(load_default="", validate=validate.Length(max=200))
    kind = fields.String(load_default="team", validate=validate.OneOf(GROUP_KINDS))
    department = fields.String(allow_none=True, validate=CODE)


class GroupUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(GROUP_KINDS))
    department = fields.String(allow_none=True, validate=CODE)


class MemberListSchema(Schema):
    group = fields.String()
    items = fields.List(fields.Nested(PersonRefSchema))


class StaffedLaneSchema(Schema):
    lane = fields.String()
    group = fields.Nested(GroupRefSchema, allow_none=True,
                          metadata={"description": "null：没有这个办理组"})
    members = fields.List(fields.Nested(PersonRefSchema))


class StaffedProcessSchema(Schema):
    key = fields.String()
    name = fields.String()
    lanes = fields.List(fields.Nested(StaffedLaneSchema))


class StaffingSchema(Schema):
    items = fields.List(fields.Nested(StaffedProcessSchema))


class LaneWarningSchema(Schema):
    process = fields.String()
    lane = fields.String()
    message = fields.String()
    # lint warnings (#13) carry a problem's fields
    severity, code, file = fields.String(), fields.String(), fields.String()
    element_id, element_name = fields.String(allow_none=True), fields.String(allow_none=True)


class PasswordChangeSchema(Schema):
    old_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=200))


# ---- public service (#10a): e-licences, progress query, ratings ----------------------------

class LicenceArgs(PageArgs):
    holder = fields.String(validate=validate.Length(min=1, max=32))
    type = fields.String(validate=validate.Length(min=1, max=100))
    status = fields.String(validate=validate.OneOf(["valid", "revoked"]))


class LicenceHolderSchema(Schema):
    kind = fields.String(attribute="holder_kind")
    id_number = fields.String(attribute="holder_id_number")
    name = fields.String(attribute="holder_name")


class LicenceSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    name = fields.String()
    number = fields.String()
    holder = fields.Function(lambda lic: LicenceHolderSchema().dump(lic))
    valid_from = fields.DateTime()
    valid_until = fields.DateTime(allow_none=True)
    status = fields.String()
    case_id = fields.Integer()
    issued_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    revoke_reason = fields.String(allow_none=True)


class LicenceListSchema(PageSchema):
    items = fields.List(fields.Nested(LicenceSchema))


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ReusedLicenceSchema(Schema):
    material = fields.String()
    licence = fields.Nested(LicenceSchema)


class CaseLicencesSchema(Schema):
    issued = fields.List(fields.Nested(LicenceSchema))
    reused = fields.List(fields.Nested(ReusedLicenceSchema))


class ProgressArgs(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ProgressSchema(Schema):
    number = fields.String()
    matter = fields.String()
    stage = fields.String()
    status = fields.String()
    received_at = fields.DateTime(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
    result = fields.String(allow_none=True)


class RatingCreateSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=1000))


class RatingSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    process_key = fields.String()
    department = fields.String()
    score = fields.Integer()
    comment = fields.String()
    at = fields.DateTime()


class RatingArgs(PageArgs):
    process = fields.String(validate=validate.Length(min=1, max=200))
    department = fields.String(validate=validate.Length(min=1, max=200))


class RatingSummarySchema(Schema):
    key = fields.String()
    name = fields.String()
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    good = fields.Integer()
    bad = fields.Integer()


class RatingListSchema(PageSchema):
    items = fields.List(fields.Nested(RatingSchema))
    by_matter = fields.List(fields.Nested(RatingSummarySchema))
    by_department = fields.List(fields.Nested(RatingSummarySchema))


class MatterTypeSchema(Schema):
    code = fields.String()
    name = fields.String()


class MatterTypeListSchema(Schema):
    items = fields.List(fields.Nested(MatterTypeSchema))

# ---- analyst workbench (#13b): lint, drafts, trials, versions, migration

class ProblemSchema(Schema):
    severity = fields.String(metadata={"enum": ["error", "warning"]})
    code = fields.String()
    file = fields.String()
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    message = fields.String()


class LintResultSchema(Schema):
    ok = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemSchema))


class DraftSummarySchema(Schema):
    key = fields.String()
    name = fields.String()
    files = fields.List(fields.String())
    updated_at = fields.DateTime()
    updated_by = fields.String(metadata={"description": "姓名"})
    ok = fields.Boolean(metadata={"description": "没有检查错误"})


class DraftSchema(DraftSummarySchema):
    problems = fields.List(fields.Nested(ProblemSchema))
    sources = fields.Dict(keys=fields.String(), values=fields.String())


class DraftListSchema(Schema):
    items = fields.List(fields.Nested(DraftSummarySchema))


class PublishSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "变更说明，记在新版本上"})


class TrialStartSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class TrialTaskSchema(Schema):
    id = fields.String()
    element_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    form = fields.String(allow_none=True)


class TrialSchema(Schema):
    id = fields.Integer()
    draft = fields.String()
    finished = fields.Boolean()
    data = fields.Dict()
    completed = fields.List(fields.String())
    active = fields.List(fields.String())
    waiting = fields.List(fields.String())
    tasks = fields.List(fields.Nested(TrialTaskSchema))
    waits = fields.List(fields.Dict(), metadata={
        "description": "等待中的消息或定时器：{element_id, name, kind: message|timer, message}；可模拟到达"})
    error = fields.String(allow_none=True)


class VersionSchema(Schema):
    id = fields.Integer()
    version = fields.Integer()
    deployed_at = fields.DateTime()
    deployed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    running_cases = fields.Integer()


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema))


class MigrationRequestSchema(Schema):
    process = fields.String(required=True, validate=validate.Length(min=1, max=200))
    to_version = fields.Integer(required=True, validate=validate.Range(min=1, max=2_000_000_000))
    from_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2_000_000_000))
    cases = fields.List(fields.Integer(validate=validate.Range(min=1, max=2_147_483_647)), load_default=None,
                        allow_none=True, validate=validate.Length(max=1000))
    dry_run = fields.Boolean(load_default=True)


class MigrationTaskSchema(Schema):
    from_ = fields.String(data_key="from")
    from_name = fields.String()
    to = fields.String()
    to_name = fields.String()


class MigrationItemSchema(Schema):
    case = fields.Integer()
    number = fields.String(allow_none=True)
    from_version = fields.Integer()
    movable = fields.Boolean()
    reason = fields.String(allow_none=True)
    tasks = fields.List(fields.Nested(MigrationTaskSchema))
    moved = fields.Boolean()


class MigrationResultSchema(Schema):
    dry_run = fields.Boolean()
    to_version = fields.Integer()
    items = fields.List(fields.Nested(MigrationItemSchema))

# ---- front window (#9) ------------------------------------------------------------------

class WaitingSchema(Schema):
    element_id = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["message", "timer", "receive", "signal"]})
    message = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    lane = fields.String(allow_none=True)
    form = fields.String(allow_none=True, metadata={"description": "登记该消息所用表单"})


class NoticeCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["acceptance", "tolerance", "refusal", "correction"]),
                         metadata={"description": "acceptance 受理通知书、tolerance 容缺受理告知书、"
                                                  "refusal 不予受理决定书、correction 补正告知书"})


class NoticeSchema(Schema):
    kind = fields.String()
    title = fields.String()
    number = fields.String()
    case_number = fields.String()
    matter = fields.String()
    applicant = fields.Dict()
    missing_materials = fields.List(fields.String())
    supplement_due = fields.String(allow_none=True)
    refuse_reason = fields.String(allow_none=True)
    items = fields.List(fields.Dict())
    reason = fields.String(allow_none=True)
    seq = fields.Integer()
    issued_at = fields.DateTime()
    issued_by = fields.String()
    issued_by_name = fields.String(allow_none=True)


class NoticeListSchema(Schema):
    items = fields.List(fields.Nested(NoticeSchema))


class TaskWindowSchema(Schema):
    role = fields.String(allow_none=True, metadata={"enum": ["acceptance", "delivery", None]})
    materials = fields.List(fields.Dict())
    intake = fields.Dict()
    licences = fields.Dict(metadata={"description": "{材料名称: 电子证照编号}：申请时已由电子证照库调取的材料"})
    methods = fields.Dict()


class LabelsSchema(Schema):
    labels = fields.Dict(metadata={"description": "{数据键: {label, options: {取值: 文字}}}"})


class IntakeMattersSchema(Schema):
    items = fields.List(fields.Dict())


class FormSchemaSchema(Schema):
    key = fields.String()
    schema = fields.Dict()

# ---- issue #14: fewer requests for the same work -------------------------------------

class CompletedTaskSchema(TaskSchema):
    next_tasks = fields.List(fields.Nested(TaskSchema), metadata={
        "description": "办理后本办件中调用者可以接着办理的待办任务（无需再查待办列表）"})


class StartedCaseSchema(CaseSchema):
    next_tasks = fields.List(fields.Nested(TaskSchema), metadata={
        "description": "发起后本办件中调用者可以办理的待办任务"})


class InboxArgs(TaskArgs):
    cursor = fields.String(validate=validate.Length(max=500), metadata={
        "description": "键集分页：上一页返回的 next_cursor（给出时忽略 page，翻页不随页数变慢）"})


class InboxSchema(TaskListSchema):
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "下一页的 cursor；没有更多时为 null。total 最多数到 1001（超过时为下限）"})


# ---- applicants: registration, themes, online applications, the credit blacklist ----

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
