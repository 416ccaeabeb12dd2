"""Typed errors of the engine.

Each error carries a stable English ``code`` for programs, a Chinese ``message``
for people and optional ``details``. The API maps each class to one HTTP status;
the engine itself knows nothing of HTTP.
"""


class TongbanError(Exception):
    code = "error"
    message = "处理失败"

    def __init__(self, message=None, details=None, code=None):
        self.message = message or self.message
        self.details = details
        if code:
            self.code = code
        super().__init__(self.message)

    def to_dict(self):
        return {"error": self.code, "message": self.message, "details": self.details}


class NotFound(TongbanError):
    code = "not_found"
    message = "对象不存在"


class InvalidInput(TongbanError):
    """Input that fails validation: bad JSON shape, identity number, form data."""
    code = "invalid_input"
    message = "输入数据不合法"


class FormInvalid(InvalidInput):
    """Data failing a task's form; ``details`` maps each field key to its message."""
    code = "form_invalid"
    message = "表单数据未通过校验"


class DefinitionInvalid(TongbanError):
    """A BPMN, DMN or form file that cannot be deployed."""
    code = "definition_invalid"
    message = "流程定义文件不合法"


class ScriptError(TongbanError):
    """A script, condition or expression in a diagram failed or was refused.

    Raised before anything is saved: the case stays as it was.
    """
    code = "script_error"
    message = "流程脚本执行失败"


class RunawayStep(ScriptError):
    """A unit of work ran past its step cap or wall-clock cap; it was rolled back whole."""
    code = "step_limit_exceeded"
    message = "流程自动步骤超出限制，已中止，办件保持原状"


class Conflict(TongbanError):
    """The state changed under the caller: retry with fresh data."""
    code = "conflict"
    message = "操作冲突，请刷新后重试"


class TaskNotReady(Conflict):
    code = "task_not_ready"
    message = "该任务当前不可办理"


class NothingWaiting(Conflict):
    code = "nothing_waiting"
    message = "该办件当前没有等待此消息的环节"


class Forbidden(TongbanError):
    code = "forbidden"
    message = "无权执行此操作"


class Unauthenticated(TongbanError):
    code = "unauthenticated"
    message = "请先登录"


class CalendarMissing(TongbanError):
    """A working-day count reached a year the calendar has no data for."""
    code = "calendar_missing"
    message = "工作日历缺少该年份的数据"
