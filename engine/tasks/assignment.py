"""Who may work a user task, as the diagram draws it.

Precedence (documented in docs/modeling.md): an assignee drawn on the task
(``camunda:assignee``, ``humanPerformer``) pre-assigns it; otherwise candidate
users and groups drawn on the task (``candidateUsers``, ``candidateGroups``,
``potentialOwner``) decide, and the lane no longer does; a task that names
nobody belongs to its lane; a task outside any lane and naming nobody is open
to every clerk. The deploy step (engine.repository.dialects) put the drawn
values into the task's ``spiffworkflow:property`` entries.
"""
from engine.errors import ScriptError
from engine.spiff import juel


def _values(task, text):
    """A comma list of literals, or one ${…} expression over the task's data (a name or a list of names)."""
    if juel.is_juel(text):
        try:
            value = task.workflow.script_engine.evaluate(task, juel.to_python(text))
        except Exception as exc:  # a missing variable, a sandbox refusal
            spec = task.task_spec
            raise ScriptError(f"任务「{spec.bpmn_name or spec.bpmn_id}」的分配表达式 {text} 无法求值",
                              details={"element": spec.bpmn_id, "expression": text,
                                       "error": type(exc).__name__, "detail": str(exc)}) from exc
        items = value if isinstance(value, (list, tuple, set)) else [value]
    else:
        items = text.split(",")
    return [str(v).strip()[:200] for v in items if v is not None and str(v).strip()]


def drawn_assignment(task):
    """(assignee or None, candidate groups, candidate users) drawn on ``task``'s spec."""
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    assignee = _values(task, props["assignee"]) if props.get("assignee") else []
    groups = _values(task, props["candidateGroups"]) if props.get("candidateGroups") else []
    users = _values(task, props["candidateUsers"]) if props.get("candidateUsers") else []
    return (assignee[0][:100] if assignee else None), groups, users  # the row's assignee column holds 100
