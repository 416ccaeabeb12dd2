"""One error shape for every failure: ``{"error": code, "message": text, "details": …}``.

Each engine error class maps to exactly one HTTP status here, and only here.
Werkzeug's HTTP errors and request-validation errors get the same shape; an
unexpected exception becomes a bare 500 without a stack trace.
"""
import logging

import sqlalchemy as sa
from flask import g, jsonify
from werkzeug.exceptions import HTTPException

from engine import errors as e

log = logging.getLogger(__name__)


class RateLimited(e.TongbanError):
    code = "rate_limited"
    message = "请求过于频繁，请稍后再试"

    def __init__(self, retry_after, **kwargs):
        super().__init__(details={"retry_after": retry_after}, **kwargs)
        self.retry_after = retry_after


# Most specific first is not needed: the lookup walks the class's MRO.
STATUS = {
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.CalendarMissing: 409, # configuration the admin must add, not the caller's fault        # TaskNotReady, NothingWaiting and idempotency conflicts too
    e.InvalidInput: 422,    # FormInvalid too
    e.DefinitionInvalid: 422,
    e.ScriptError: 422,     # a hostile or broken diagram is the deployer's fault, not a server error
    RateLimited: 429,
    e.TongbanError: 400,
}

HTTP_CODES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "接口或对象不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "不支持请求的响应格式"),
    409: ("conflict", "操作冲突，请刷新后重试"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的请求内容类型"),
    422: ("invalid_input", "输入数据不合法"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
}

# marshmallow's messages, for people reading them in Chinese.
FIELD_MESSAGES = {
    "Missing data for required field.": "必填",
    "Unknown field.": "未知字段",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid boolean.": "应为是/否",
    "Not a valid mapping type.": "应为对象",
    "Not a valid list.": "应为列表",
    "Invalid input type.": "类型不正确",
    "Not a valid URL.": "网址格式不正确",
    "Invalid value.": "取值不合法",
}


def status_of(exc):
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(status, code, message, details=None, headers=None):
    response = jsonify({"error": code, "message": message, "details": details})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _translate(messages):
    if isinstance(messages, dict):
        return {k: _translate(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    if isinstance(messages, str):
        if messages in FIELD_MESSAGES:
            return FIELD_MESSAGES[messages]
        if messages.startswith("Must be one of"):
            return "取值不在允许范围内：" + messages.split(":", 1)[-1].strip().rstrip(".")
        if messages.startswith("Must be greater than") or messages.startswith("Must be less than"):
            return "数值超出范围"
        if messages.startswith("Length must be") or messages.startswith("Shorter than") \
                or messages.startswith("Longer than"):
            return "长度不符合要求"
    return messages


# Who may read a diagram's source anyway (GET /definitions/…): only they see its lines in errors.
DIAGRAM_READERS = {"admin", "analyst", "auditor"}
SOURCE_DETAILS = ("line_text", "notes", "detail")  # detail: the original English error text


def handle_tongban(exc):
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    details = exc.details
    if isinstance(exc, e.ScriptError) and isinstance(details, dict):
        actor = g.get("actor")
        if actor is None or actor.role not in DIAGRAM_READERS:
            details = {k: v for k, v in details.items() if k not in SOURCE_DETAILS}
    return error_response(status_of(exc), exc.code, exc.message, details, headers)


def handle_http(exc: HTTPException):
    status = exc.code or 500
    code, message = HTTP_CODES.get(status, ("http_error", exc.name))
    details = None
    data = getattr(exc, "data", None) or {}
    if data.get("messages"):  # webargs validation: {"json": {"field": [...]}, "query": …}
        details = _translate(data["messages"])
        if status == 400 and "json" in details and details["json"] == ["Invalid JSON body."]:
            details = {"json": "请求体不是合法的 JSON"}
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, code, message, details, headers)


def handle_unexpected(exc):
    log.exception("unhandled error")
    return error_response(500, "internal_error", "服务器内部错误，请稍后重试")


def handle_data_error(exc):
    # A value the database refused (too long, out of range): input, not a server fault.
    log.warning("database refused a value: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
    return error_response(422, "invalid_input", "输入数据超出允许的长度或范围")


def handle_database_down(exc):
    """The database went away mid-request (a backend killed, a restart, a lock held too long,
    a read-only or full disk): the transaction rolled back, nothing was half-applied.
    Retryable; with an Idempotency-Key a retry cannot apply anything twice."""
    reason = str(getattr(exc, "orig", None) or exc).lower()
    if "readonly" in reason or "read-only" in reason or "read only" in reason:
        code, message, retry = "database_read_only", "数据库当前只读，暂不能保存，请联系管理员", 60
    elif "disk is full" in reason or "no space" in reason:
        code, message, retry = "database_full", "数据库磁盘已满，暂不能保存，请联系管理员", 60
    else:
        code, message, retry = "database_unavailable", "数据库暂时不可用，请稍后重试", 1
    log.warning("database error answered 503: %s", reason.splitlines()[0] if reason else type(exc).__name__)
    return error_response(503, code, message, {"retryable": True}, {"Retry-After": str(retry)})


def register(app):
    app.register_error_handler(sa.exc.DataError, handle_data_error)
    app.register_error_handler(sa.exc.OperationalError, handle_database_down)
    app.register_error_handler(sa.exc.InterfaceError, handle_database_down)
    app.register_error_handler(e.TongbanError, handle_tongban)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
