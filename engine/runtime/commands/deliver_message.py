"""A message thrown by one case (send task, message throw) delivered to another case of the
same process version that waits for it and is correlated with it (same correlation key values).

Run after the sending case's unit of work committed, one receiving case per unit of work. A
case that never exchanged a correlated message is never chosen: an uncorrelated message goes
only to the webhook outbox (``message_sent``), never to an arbitrary waiting case.
"""
import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnEvent

from engine import history
from engine.commands import CaseCommand
from engine.errors import NothingWaiting
from engine.identity.actor import SYSTEM
from engine.models import Case

from .send_message import _messages

MAX_CANDIDATES = 200


class DeliverMessage(CaseCommand):
    def __init__(self, case_id, name, payload, correlations, sender):
        self.id, self.name, self.payload, self.correlations, self.sender = case_id, name, payload, correlations, sender
        self.actor = SYSTEM

    def case_id(self, session):
        return self.id

    def execute(self, step):
        known = step.wf.correlations
        if not self.correlations or any(known.get(k) != v for k, v in self.correlations.items()):
            raise NothingWaiting()
        waiting = [(t, d) for t in step.wf.event_manager.tasks.values()
                   for d in _messages(getattr(t.task_spec, "event_definition", None)) if d.name == self.name]
        if not waiting:
            raise NothingWaiting()
        task, definition = waiting[0]
        step.wf.send_event(BpmnEvent(definition, payload=self.payload, correlations=self.correlations))
        step.event(history.MESSAGE_RECEIVED, actor=None, element_id=task.task_spec.bpmn_id,
                   data={"name": self.name, "payload": self.payload, "from_case": self.sender})
        step.recorded_tasks.add(task.id)
        return step.case


def deliver_thrown(engine, sender, outgoing):
    """Deliver each (name, payload, correlations) to the first correlated waiting case, if any."""
    definition_id, sender_id, sender_number = sender
    for name, payload, correlations in outgoing:
        with engine.db.read() as session:
            candidates = session.scalars(
                sa.select(Case.id).where(Case.definition_id == definition_id, Case.status == "running",
                                         Case.id != sender_id).order_by(Case.id).limit(MAX_CANDIDATES)).all()
        for case_id in candidates:
            try:
                engine.execute(DeliverMessage(case_id, name, payload, correlations, sender_number))
                break
            except NothingWaiting:
                continue
