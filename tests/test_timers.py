"""Modeler-style timer literals and the movable clock, through real diagrams."""
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import DefinitionInvalid
from engine.spiff.scripting import make_script_engine
from engine.clock import ClockDatetime, clock
from engine.spiff.timers import install_clock, is_iso_literal, normalize_timer_expressions

HOSTILE = Path(__file__).parent / "diagrams" / "hostile"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)      # a Monday, 09:00 in Beijing
serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@pytest.fixture(autouse=True)
def frozen_clock():
    install_clock()
    clock.freeze(T0)
    yield clock
    clock.reset()


def tree_of(name, **fill):
    text = (HOSTILE / name).read_text(encoding="utf-8")
    for key, value in fill.items():
        text = text.replace(key, escape(value))
    return etree.fromstring(text.encode("utf-8")).getroottree()


def start(tree, process_id, data=None):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(tree, filename=f"{process_id}.bpmn")
    wf = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id),
                      script_engine=make_script_engine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    wf.do_engine_steps()
    return wf


def round_trip(wf):
    restored = serializer.deserialize_json(serializer.serialize_json(wf))
    restored.script_engine = make_script_engine()
    return restored


def due_times(wf):
    return {ev.name: ev.value for ev in wf.waiting_events()}


def step(wf):
    wf.refresh_timers()
    wf.do_engine_steps()


# ---------------------------------------------------------------- recognising literals

@pytest.mark.parametrize("text, kind", [
    ("P5D", "timeDuration"), ("PT30M", "timeDuration"), ("PT1S", "timeDuration"),
    ("P1Y2M3DT4H5M6S", "timeDuration"), ("P2W", "timeDuration"), ("P1M", "timeDuration"),
    ("PT1.5H", "timeDuration"), ("PT1,5H", "timeDuration"), (" P5D\n", "timeDuration"),
    ("2026-12-01T09:00:00+08:00", "timeDate"), ("2026-12-01T01:00:00Z", "timeDate"),
    ("2026-12-01", "timeDate"), ("2026-12-01T09:00", "timeDate"), ("2026-W48-2", "timeDate"),
    ("R3/PT1H", "timeCycle"), ("R/P1D", "timeCycle"), ("R3/2026-12-01T09:00:00Z/PT1H", "timeCycle"),
    ("R2/P1D/2026-12-10T00:00:00+08:00", "timeCycle"),
])
def test_iso_literals_are_recognised(text, kind):
    assert is_iso_literal(text)
    assert is_iso_literal(text, kind)
    assert not any(is_iso_literal(text, other) for other in ("timeDuration", "timeDate", "timeCycle")
                   if other != kind)


@pytest.mark.parametrize("text", [
    "supplement_deadline", '"P5D"', "'P5D'", "'P%dD' % days_allowed", "add_workdays(accepted_on, 5)",
    "P", "D", "PT", "P5X", "P1W2D", "5", "", None, "2026-13-45",
])
def test_expressions_and_junk_are_not_literals(text):
    assert not is_iso_literal(text)


# ---------------------------------------------------------------- rewriting a tree

def test_normalize_quotes_literals_and_leaves_expressions():
    tree = tree_of("timer_forms.bpmn")
    assert normalize_timer_expressions(tree) == 3
    texts = {node.getparent().getparent().get("id"): node.text for node in tree.iter(
        *(f"{{http://www.omg.org/spec/BPMN/20100524/MODEL}}{t}" for t in ("timeDuration", "timeDate", "timeCycle")))}
    assert texts == {
        "t_duration": "'P5D'",
        "t_date": "'2026-12-01T09:00:00+08:00'",      # naive: read as Beijing time, not the server's zone
        "t_cycle": "'R3/PT1H'",
        "t_variable": "supplement_deadline",
        "t_quoted": '"P5D"',
        "t_format": "'P%dD' % days_allowed",
    }
    assert normalize_timer_expressions(tree) == 0      # idempotent


def test_every_timer_form_runs_with_the_right_due_times():
    tree = tree_of("timer_forms.bpmn")
    normalize_timer_expressions(tree)
    wf = start(tree, "timer_forms", {"supplement_deadline": "P3D", "days_allowed": 2})
    due = {ev.value if isinstance(ev.value, str) else ev.value for ev in wf.waiting_events()}
    assert due == {
        (T0 + timedelta(days=5)).isoformat(),          # P5D and "P5D"
        "2026-12-01T09:00:00+08:00",
        (T0 + timedelta(hours=1)).isoformat(),         # R3/PT1H, first cycle
        (T0 + timedelta(days=3)).isoformat(),          # supplement_deadline
        (T0 + timedelta(days=2)).isoformat(),          # 'P%dD' % days_allowed
    }


@pytest.mark.parametrize("text, delta", [
    ("P5D", timedelta(days=5)), ("PT30M", timedelta(minutes=30)), ("PT1,5H", timedelta(minutes=90)),
    ("P2W", timedelta(weeks=2)), ("P1M", timedelta(days=31)),                # March has 31 days
    ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
])
def test_duration_literals_give_the_right_due_time(text, delta):
    tree = tree_of("one_timer.bpmn", TIMER_KIND="timeDuration", TIMER_TEXT=text)
    assert normalize_timer_expressions(tree) == 1
    wf = start(tree, "one_timer")
    assert due_times(wf) == {"提醒": (T0 + delta).isoformat()}


@pytest.mark.parametrize("text, due", [
    ("2026-12-01T09:00:00+08:00", "2026-12-01T09:00:00+08:00"),
    ("2026-12-01", "2026-12-01T00:00:00+08:00"),
    ("2026-12-01T09:00", "2026-12-01T09:00+08:00"),
    ("2026-W49-2", "2026-W49-2"),
])
def test_date_literals_are_accepted(text, due):
    tree = tree_of("one_timer.bpmn", TIMER_KIND="timeDate", TIMER_TEXT=text)
    normalize_timer_expressions(tree)
    wf = start(tree, "one_timer")
    assert due_times(wf) == {"提醒": due}
    clock.freeze(datetime(2026, 12, 2, tzinfo=timezone.utc))
    step(wf)
    assert [t.data["reminders"] for t in wf.get_tasks(spec_name="remind")] == [1]


def test_cycle_literal_fires_three_times():
    tree = tree_of("one_timer.bpmn", TIMER_KIND="timeCycle", TIMER_TEXT="R3/PT1H")
    normalize_timer_expressions(tree)
    wf = start(tree, "one_timer")
    fired = []
    for _ in range(4):
        clock.travel(timedelta(minutes=61))
        wf = round_trip(wf)
        step(wf)
        fired.append(sum(1 for t in wf.get_tasks(spec_name="remind") if t.state == TaskState.COMPLETED))
    assert fired == [1, 2, 3, 3]
    assert wf.get_next_task(spec_name="review").state == TaskState.READY


def test_literal_in_the_wrong_element_is_refused_at_deploy():
    tree = tree_of("one_timer.bpmn", TIMER_KIND="timeDuration", TIMER_TEXT="2026-12-01")
    with pytest.raises(DefinitionInvalid) as caught:
        normalize_timer_expressions(tree)
    assert "timeDuration" in caught.value.details


def test_unquoted_pt1s_boundary_timer_parses_and_fires():
    tree = tree_of("boundary_timer.bpmn", TIMER_TEXT="PT1S")
    assert normalize_timer_expressions(tree) == 1
    wf = start(tree, "boundary_timer")
    assert due_times(wf) == {"补正期限届满": (T0 + timedelta(seconds=1)).isoformat()}
    clock.travel(timedelta(seconds=2))
    step(wf)
    assert wf.completed and wf.last_task.data["outcome"] == "rejected_supplement_overdue"


def test_unquoted_timer_without_normalising_fails_as_spiff_documents():
    tree = tree_of("boundary_timer.bpmn", TIMER_TEXT="PT1S")
    with pytest.raises(Exception, match="PT1S"):
        start(tree, "boundary_timer")


# ---------------------------------------------------------------- the clock

def test_p5d_deadline_across_serialisation_with_clock_travel():
    tree = tree_of("boundary_timer.bpmn", TIMER_TEXT="P5D")
    normalize_timer_expressions(tree)
    wf = round_trip(start(tree, "boundary_timer"))
    assert due_times(wf) == {"补正期限届满": (T0 + timedelta(days=5)).isoformat()}

    clock.travel(timedelta(days=4, hours=23))
    wf = round_trip(wf)
    step(wf)
    assert not wf.completed
    assert wf.get_next_task(spec_name="supplement").state == TaskState.READY

    clock.travel(timedelta(hours=2))                    # now T0 + 5d 1h
    wf = round_trip(wf)
    step(wf)
    assert wf.completed
    assert wf.last_task.data["outcome"] == "rejected_supplement_overdue"
    assert wf.get_next_task(spec_name="supplement", state=TaskState.CANCELLED) is not None


def test_clock_freeze_travel_reset():
    assert clock.now() == T0
    clock.travel(timedelta(hours=3))
    assert clock.now() == T0 + timedelta(hours=3)
    assert clock.now().tzinfo is not None
    with pytest.raises(ValueError):
        clock.freeze(datetime(2026, 1, 1))              # naive: ambiguous
    clock.reset()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_install_clock_is_idempotent_and_keeps_plain_datetimes():
    install_clock()
    install_clock()
    assert spiff_timer.datetime is ClockDatetime
    assert spiff_timer.datetime.now(timezone.utc) == T0
    made = ClockDatetime(2026, 1, 1, tzinfo=timezone.utc)
    assert type(made) is datetime and isinstance(made, ClockDatetime)
    assert type(ClockDatetime.fromisoformat("2026-01-01T00:00:00+08:00")) is datetime


def test_scripts_see_the_same_clock():
    tree = tree_of("one_timer.bpmn", TIMER_KIND="timeDuration", TIMER_TEXT="PT1H")
    normalize_timer_expressions(tree)
    wf = start(tree, "one_timer")
    env = wf.script_engine.environment
    assert env.evaluate("datetime.now(timezone.utc)", {}) == T0
    assert env.evaluate("date.today()", {}) == T0.astimezone().date()
