"""What a case waits for: receive tasks, message / timer / signal catch events (boundary
events included), with the message's name and, for a timer or a wait a timer bounds,
when it falls due."""
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import ReceiveTask
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
