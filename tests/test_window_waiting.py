"""What a case waits for (engine.window.waiting), on diagrams other than the food sample."""
from datetime import timedelta, timezone

import pytest

from engine.identity.actor import Actor

from .conftest import diagram
from .waiting_check import waiting_checked  # noqa: F401


@pytest.fixture(autouse=True)
def _stored_state_reading_is_checked(waiting_checked):
    """Each waiting list here is also computed by restoring the workflow: both must agree,
    and the stored state always answers (never falls back to the restore)."""
    yield
    assert None not in waiting_checked


APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
ADMIN = Actor("admin", "admin")


def test_an_event_based_gateway_waits_for_its_message_and_its_timer(engine):
    engine.repository.deploy([("g.bpmn", diagram("conformance", "camunda_event_gateway.bpmn").read_bytes())])
    case = engine.runtime.start("await_supplement", APPLICANT, {})
    waits = engine.window.waiting(engine.runtime.get(case.id, ADMIN))
    kinds = {(w["kind"], w["message"]) for w in waits}
    assert kinds == {("message", "补正材料"), ("timer", None)}
    timer = next(w for w in waits if w["kind"] == "timer")
    started = engine.runtime.get(case.id, ADMIN).created_at
    started = started if started.tzinfo else started.replace(tzinfo=timezone.utc)
    assert timedelta(days=5) - timedelta(minutes=1) < timer["due_at"] - started <= timedelta(days=5, minutes=1)  # P5D
    assert all(w["element_id"] == "Gateway_Wait" and w["name"] == "等待补正或超时" for w in waits)
    # drawn outside any lane: any clerk who sees the case may record it
    clerk = Actor("clerk-x", "clerk", frozenset({"综合受理窗口"}))
    engine.runtime.send_message(case.id, "补正材料", {"supplement": "已补交"}, clerk)
    assert engine.window.waiting(engine.runtime.get(case.id, ADMIN)) == []

