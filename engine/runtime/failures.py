"""What SpiffWorkflow raised while running a case, as a 4xx error naming the element.

Scripts' own errors keep the sandbox's message; Spiff's engine errors
(a multi-instance task without its input, a gateway with no true condition …)
get a Chinese message that names the element, so the clerk or analyst knows
where to look and the case stays as it was.
"""
from SpiffWorkflow.bpmn.exceptions import WorkflowDataException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.spiff import scripting

_KNOWN = {
    "No conditions satisfied on gateway": "网关没有任何条件成立（也没有默认连线）",
    "Missing data input for multiinstance task": "多实例（会签）任务缺少输入集合",
}


def element_error(exc, task=None):
    """``exc`` as a ScriptError whose message names the element it happened in."""
    error = scripting.to_script_error(exc)
    details = error.details
    spec = getattr(getattr(exc, "task", None), "task_spec", None) or getattr(task, "task_spec", None)
    if spec is not None:
        details["task"] = spec.bpmn_id
        details["task_name"] = spec.bpmn_name or _inner_name(spec)
    where = details.get("task_name") or details.get("task")
    cause = scripting.original_error(exc)
    if isinstance(cause, scripting.SANDBOX_ERRORS) or not where:
        return error
    text = str(getattr(cause, "error", None) or cause).split("\n")[0].strip().rstrip(".")
    if isinstance(exc, WorkflowDataException) or isinstance(cause, WorkflowDataException):
        reason = _KNOWN.get(text) or f"缺少或不符合要求的数据（{text}）"
    elif isinstance(cause, SpiffWorkflowException):
        reason = _KNOWN.get(text) or f"流程引擎无法继续（{text}）"
    else:
        reason = scripting.plain_reason(cause)   # the English original is in details["detail"]
    error.message = f"环节「{where}」执行失败：{reason}"
    return error


def _inner_name(spec):
    """A multi-instance task's name lives on the task spec it repeats."""
    inner = getattr(spec, "task_spec", None)
    inner = spec._wf_spec.task_specs.get(inner) if isinstance(inner, str) and hasattr(spec, "_wf_spec") else None
    return getattr(inner, "bpmn_name", None)
