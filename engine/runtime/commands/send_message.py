"""Deliver a message (a supplement arrived, tax was paid …) to the case waiting for it."""
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import history
from engine.commands import CaseCommand
from engine.errors import InvalidInput, NothingWaiting
from engine.repository.forms import validate_free_data
from engine.window import messages as window_messages


def _messages(definition):
    """The message definitions a waiting task catches: its own, or an event-based gateway's."""
    if isinstance(definition, MessageEventDefinition):
        return [definition]
    return [d for d in getattr(definition, "event_definitions", ()) if isinstance(d, MessageEventDefinition)]


class SendMessage(CaseCommand):
    def __init__(self, case_id, name, data, actor):
        self.id, self.name, self.actor = case_id, name, actor
        self.payload = validate_free_data(data or {})

    def case_id(self, session):
        return self.id

    def execute(self, step):
        # A clerk records only for a wait of their lane; a wait with a form checks the data (engine.window).
        payload = window_messages.check(step, self.actor, self.name, self.payload)
        deliver(step, self.name, payload)
        return step.case


def deliver(step, name, payload):
    """Hand the message to what waits for it and record it (also used by replay)."""
    waiting = [(t, d) for t in step.wf.event_manager.tasks.values()
               for d in _messages(getattr(t.task_spec, "event_definition", None)) if d.name == name]
    if not waiting:  # an event sub-process whose message start event waits for it
        return _start_event_subprocess(step, name, payload)
    definition = waiting[0][1]
    waiting = [t for t, _ in waiting]
    try:
        correlations = definition.get_correlations(waiting[0], payload)
    except Exception as exc:
        raise InvalidInput("消息缺少关联字段", details={"message": name, "reason": str(exc)}) from exc
    try:
        step.wf.send_event(BpmnEvent(definition, payload=payload, correlations=correlations))
    except SpiffWorkflowException as exc:
        raise NothingWaiting(f"消息「{name}」与该办件不匹配", details={"message": name, "reason": str(exc)}) from exc
    step.event(history.MESSAGE_RECEIVED, element_id=waiting[0].task_spec.bpmn_id,
               data={"name": name, "payload": payload})
    step.recorded_tasks.update(t.id for t in waiting)


def _start_event_subprocess(step, name, payload):
    wf = step.wf
    starts = [s for sp in wf.spec.start.trigger_specs if sp in wf.subprocess_specs
              for s in wf.subprocess_specs[sp].bpmn_start_events
              for d in _messages(getattr(s, "event_definition", None)) if d.name == name]
    if not starts:
        raise NothingWaiting(f"该办件当前没有等待消息「{name}」的环节", details={"message": name})
    definition = _messages(starts[0].event_definition)[0]
    wf.send_event(BpmnEvent(definition, payload=payload, correlations={}))
    step.event(history.MESSAGE_RECEIVED, element_id=starts[0].bpmn_id, data={"name": name, "payload": payload})
