"""What a case waits for: receive tasks, message / timer / signal catch events (boundary
events included), with the message's name and, for a timer or a wait a timer bounds,
when it falls due."""
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import ReceiveTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from engine.runtime.step import _timer_due, all_tasks, element_name, form_key_of


def _definitions(spec):
    definition = getattr(spec, "event_definition", None)
    return list(getattr(definition, "event_definitions", None) or ([definition] if definition else []))


def _kind(spec, definition):
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if isinstance(definition, SignalEventDefinition):
        return "signal"
    if isinstance(definition, MessageEventDefinition):
        return "receive" if isinstance(spec, ReceiveTask) else "message"
    return None


def waiting(wf):
    """[{element_id, name, kind, message, due_at, lane, form}] of the case's waits, in diagram order."""
    if wf.is_completed():
        return []
    tasks = [t for t in all_tasks(wf) if t.state == TaskState.WAITING and isinstance(t.task_spec, CatchingEvent)
             and t.task_spec.bpmn_id is not None]
    dues = {t.id: _timer_due(t) for t in tasks
            if any(isinstance(d, TimerEventDefinition) for d in _definitions(t.task_spec))}
    items = []
    for task in tasks:
        spec = task.task_spec
        for definition in _definitions(spec):
            kind = _kind(spec, definition)
            if kind is None:
                continue
            due = dues.get(task.id) if kind == "timer" else _bounding_due(task, dues)
            items.append({"element_id": spec.bpmn_id, "name": element_name(spec), "kind": kind,
                          "message": definition.name if kind in ("receive", "message", "signal") else None,
                          "due_at": due, "lane": spec.lane, "form": form_key_of(spec)})
    return items


def _bounding_due(task, dues):
    """The earliest timer among the boundary events of the activity ``task`` is (siblings under its split)."""
    if task.parent is None:
        return None
    found = [dues[s.id] for s in task.parent.children if s.id != task.id and dues.get(s.id)]
    return min(found) if found else None


# ---- the same list read from the stored state, without restoring the workflow -------------
#
# Restoring a case's SpiffWorkflow costs milliseconds; what it waits for needs only each task's
# state, spec name, parent, children and timer value from the stored dict, and, from the diagram,
# which specs may wait and on what. ``from_state`` follows the restore step by step (task order,
# the order sub-workflows are restored in, ``is_completed``) and answers None where the dict
# holds something it does not read: the caller restores the workflow then.

WAITING, NOT_FINISHED = TaskState.WAITING, TaskState.NOT_FINISHED_MASK


class _CannotTell(Exception):
    pass


@dataclass(frozen=True)
class SpecWaits:
    """What the diagram says of one task spec: the waits it may stand for, and, for a call
    activity or subprocess, the spec its sub-workflow runs."""
    waits: tuple = ()  # ((kind, message), …), in the order ``waiting`` lists them
    element_id: str | None = None
    name: str | None = None
    lane: str | None = None
    form: str | None = None
    subprocess: str | None = None

    @property
    def has_timer(self):
        return any(kind == "timer" for kind, _ in self.waits)


def _spec_waits(spec):
    waits = ()
    if isinstance(spec, CatchingEvent) and spec.bpmn_id is not None:
        kinds = [(_kind(spec, d), d) for d in _definitions(spec)]
        waits = tuple((kind, d.name if kind in ("receive", "message", "signal") else None)
                      for kind, d in kinds if kind is not None)
    if not waits:
        return SpecWaits(subprocess=spec.spec if isinstance(spec, SubWorkflowTask) else None)
    return SpecWaits(waits, spec.bpmn_id, element_name(spec), spec.lane, form_key_of(spec))


def wait_table(spec, subprocess_specs):
    """{workflow spec name (None: the process itself): {task spec name: SpecWaits}} of one version."""
    table = {None: {name: _spec_waits(s) for name, s in spec.task_specs.items()}}
    for key, sub in subprocess_specs.items():
        table[key] = {name: _spec_waits(s) for name, s in sub.task_specs.items()}
    return table


def from_state(state, table):
    """``waiting(restored workflow)`` from the stored state dict; None where it cannot tell."""
    try:
        return _from_state(state, table)
    except (_CannotTell, KeyError, TypeError, AttributeError, ValueError):
        return None


def _from_state(state, table):
    if state.get("completed"):
        return []
    top = state["tasks"]
    if not any(t["state"] & NOT_FINISHED for t in top.values()):
        return []  # is_completed(): nothing left to run
    workflows = []  # (specs, tasks) in the order all_tasks walks them
    pending = dict(state.get("subprocesses") or {})

    def restore_order(specs, tasks):  # BpmnWorkflowConverter.subprocesses_from_dict
        for task_id, task in tasks.items():
            info = specs.get(task["task_spec"])
            if info is None:
                raise _CannotTell("a task spec the version does not have")
            if info.subprocess is not None and task_id in pending:
                sub_specs = table.get(info.subprocess)
                if sub_specs is None:
                    raise _CannotTell("a sub-workflow spec the version does not have")
                sub_tasks = pending.pop(task_id)["tasks"]
                workflows.append((sub_specs, sub_tasks))
                restore_order(sub_specs, sub_tasks)

    restore_order(table[None], top)
    workflows.insert(0, (table[None], top))

    found = [(task_id, task, tasks, specs[task["task_spec"]]) for specs, tasks in workflows
             for task_id, task in tasks.items() if task["state"] == WAITING and specs[task["task_spec"]].waits]
    dues = {task_id: _stored_due(task) for task_id, task, _, info in found if info.has_timer}
    items = []
    for task_id, task, tasks, info in found:
        bound = None
        for kind, message in info.waits:
            if kind == "timer":
                due = dues.get(task_id)
            else:
                if bound is None:
                    bound = (_stored_bounding_due(task_id, task, tasks, dues),)
                due = bound[0]
            items.append({"element_id": info.element_id, "name": info.name, "kind": kind, "message": message,
                          "due_at": due, "lane": info.lane, "form": info.form})
    return items


def _stored_due(task):
    """``_timer_due`` on the stored task."""
    value = (task.get("internal_data") or {}).get("event_value")
    if isinstance(value, dict):
        if "typename" in value:
            raise _CannotTell("a timer value stored as an object")
        value = value.get("next")
    if not isinstance(value, str):
        return None
    due = TimerEventDefinition.parse_time_or_duration(value)
    return due if isinstance(due, datetime) else None


def _stored_bounding_due(task_id, task, tasks, dues):
    """``_bounding_due`` on the stored task: its parent and siblings are in its own workflow."""
    parent = tasks.get(task["parent"]) if task["parent"] is not None else None
    if parent is None:
        return None
    found = [dues[s] for s in parent["children"] if s != task_id and dues.get(s)]
    return min(found) if found else None
