"""Deterministic re-execution: run a case again from its trail and compare (审计重演).

The case is re-run in memory from its start, on its own definition version,
by the same step code that ran it, fed only with the inputs its trail recorded:
the start data, each task submission, each message, and timer firings, each at
its recorded instant (every unit of work runs at one instant, see
``Clock.pinned``). What the engine derived along the way (tasks, gateways and
the branches they took, rule rows, scripts, timers, the end) must come out the
same, in the same order, and the final state must equal the case's. A trail
edited to another decision, or a state changed behind the engine, does not
re-execute and the first difference is reported.
"""
from dataclasses import dataclass, field
from types import SimpleNamespace
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine import spiff
from engine.errors import TongbanError
from engine.models import Case, CaseEvent, Definition
from engine.runtime.commands.send_message import deliver
from engine.history.events import changes_of
from engine.runtime.step import RUNNING, Step, all_tasks, element_name, form_key_of

from . import events as ev
from .chain import canonical

# A migration (engine.workbench.migration) is an input too: the replay moves to the new version there.
INPUTS = {ev.CASE_STARTED, ev.TASK_COMPLETED, ev.MESSAGE_RECEIVED, ev.DEFINITION_MIGRATED}
DERIVED = {ev.TASK_READY, ev.TASK_CANCELLED, ev.GATEWAY_PASSED, ev.RULE_EVALUATED, ev.SCRIPT_RUN,
           ev.EVENT_REACHED, ev.TIMER_FIRED, ev.CASE_COMPLETED, ev.CASE_TERMINATED}
# People taking work, and the clock and cards of supervision: nothing in the workflow moves.
NO_EFFECT = {ev.TASK_CLAIMED, ev.TASK_UNCLAIMED, ev.CLOCK_STARTED, ev.CLOCK_PAUSED, ev.CLOCK_RESUMED,
             ev.CLOCK_UNAVAILABLE, ev.CARD_CHANGED, ev.SPECIAL_PROCEDURE_STARTED, ev.SPECIAL_PROCEDURE_ENDED}
NO_EFFECT |= {ev.COMMITMENT_SIGNED, ev.CREDIT_LISTED}  # records of the applicant's credit, no workflow input

# E-licences (#10a): issuing is derived from the path; revocation, reuse at start and ratings move nothing.
DERIVED |= {ev.LICENCE_ISSUED}
NO_EFFECT |= {ev.LICENCE_REVOKED, ev.LICENCE_REUSED, ev.CASE_RATED}

# A printed notice says what happened and a file brought to the window (#9) is kept: neither moves the flow.
NO_EFFECT |= {ev.NOTICE_ISSUED, ev.ATTACHMENT_ADDED}

TYPE_NAMES = {
    ev.CASE_STARTED: "办件启动", ev.CASE_COMPLETED: "办结", ev.CASE_TERMINATED: "终止", ev.TASK_READY: "任务到达",
    ev.TASK_COMPLETED: "办理完成", ev.TASK_CANCELLED: "任务取消", ev.MESSAGE_RECEIVED: "收到消息",
    ev.TIMER_FIRED: "定时触发", ev.GATEWAY_PASSED: "经过网关", ev.RULE_EVALUATED: "规则判定",
    ev.SCRIPT_RUN: "执行脚本", ev.EVENT_REACHED: "到达事件", ev.DEFINITION_MIGRATED: "迁移版本",
}
TYPE_NAMES[ev.LICENCE_ISSUED] = "签发电子证照"


class Diverged(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Emitted:
    type: str
    element_id: str | None
    data: dict | None
    task: str | None = None  # the replay's own Spiff task id (task_ready, task_completed)


@dataclass
class ReplayResult:
    case_id: int
    ok: bool = True
    events: int = 0  # recorded events compared
    path: list = field(default_factory=list)  # element ids the replay went through, in order
    status: str | None = None
    divergence: dict | None = None

    def to_dict(self):
        return {"case_id": self.case_id, "ok": self.ok, "events": self.events, "path": self.path,
                "status": self.status, "divergence": self.divergence}

    def describe(self):
        if self.ok:
            return f"办件 {self.case_id} 重演一致：{self.events} 条事件按原路径重现，最终状态相同"
        return f"办件 {self.case_id} 重演不一致：{self.divergence['message']}"


def replay(engine, case_id):
    with engine.db.read() as session:
        case = session.get(Case, case_id)
        trail = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.seq)).all()
        definition_id = _started_on(session, case, trail)
        spec, subprocess_specs = engine.repository.specs(session, definition_id)
        run = Replay(engine, case, spec, subprocess_specs, session, definition_id)
        result = run.run([e for e in trail if e.type not in NO_EFFECT])
        result.events = len(trail)
        return result


def _started_on(session, case, trail):
    """The version a case started on: its own, unless it was migrated since."""
    if not any(e.type == ev.DEFINITION_MIGRATED for e in trail):
        return case.definition_id
    started = next(e for e in trail if e.type == ev.CASE_STARTED)
    return _version_id(session, case.process_key, (started.data or {}).get("version"))


def _version_id(session, key, version):
    found = session.scalar(sa.select(Definition.id).where(
        Definition.kind == "bpmn", Definition.key == key, Definition.version == version))
    if found is None:
        raise Diverged(f"留痕中的流程版本 {key} v{version} 不存在")
    return found


class ReplayStep(Step):
    """A step whose trail goes to a list and whose inbox and jobs are in memory."""
    stores_state = False

    def __init__(self, engine, case, wf, actor, run):
        super().__init__(engine, None, case, wf, actor)
        self.run = run

    def event(self, type, **kwargs):
        emitted = Emitted(type, kwargs.get("element_id"), kwargs.get("data"), kwargs.get("task_id"))
        self.run.produced.append(emitted)
        if type == ev.TASK_READY:
            self.run.replay_ready.append((emitted.task, emitted.element_id))

    def _sync_human_tasks(self):
        open_tasks = self.run.open_tasks
        ready = {t.id: t for t in all_tasks(self.wf) if t.task_spec.manual and t.state == TaskState.READY}
        for task_id in list(open_tasks):
            if task_id not in ready:
                spec = open_tasks.pop(task_id)
                self.event(ev.TASK_CANCELLED, element_id=spec.bpmn_id, data={"name": element_name(spec),
                                                                             "lane": spec.lane})
        for task_id, task in ready.items():
            if task_id not in open_tasks:
                spec = open_tasks[task_id] = task.task_spec
                self.event(ev.TASK_READY, task_id=str(task_id), element_id=spec.bpmn_id,
                           data={"name": element_name(spec), "lane": spec.lane, "form": form_key_of(spec)})

    def _sync_jobs(self):
        pass

    def _supervise(self, new_rows):
        pass  # clocks and cards follow time, not the path: not replayed


class Replay:
    def __init__(self, engine, case, spec, subprocess_specs, session=None, definition_id=None):
        self.engine, self.case, self.spec, self.subprocess_specs = engine, case, spec, subprocess_specs
        self.session = session
        # A stand-in for the case row: the step writes status, data and state onto it.
        self.stub = SimpleNamespace(id=case.id, number=case.number, definition=case.definition,
                                    definition_id=definition_id or case.definition_id, status=RUNNING, data={}, ended_at=None,
                                    updated_at=None, state=None, serializer_version=None, outcome=None)
        self.wf = None
        self.produced = []
        self.open_tasks = {}
        self.recorded_ready = {}  # human_task id of each recorded task_ready event -> its position
        self.replay_ready = []  # the replay's Spiff task ids of its task_ready events, in order
        self.compared = 0  # events known equal so far

    def run(self, recorded):
        result = ReplayResult(self.case.id)
        try:
            for i, event in enumerate(recorded):
                if event.type == ev.TASK_READY:
                    self.recorded_ready[event.task_id] = len(self.recorded_ready)
                if event.type in INPUTS:
                    self._expect_caught_up(recorded, i)
                    with self.engine.clock.pinned(event.at):
                        self._apply(event)
                elif event.type == ev.TIMER_FIRED and len(self.produced) <= i:
                    self._expect_caught_up(recorded, i)
                    with self.engine.clock.pinned(event.at):
                        self._step(event.actor, lambda step: None)  # what FireDueTimers does
                elif event.type not in DERIVED:
                    raise Diverged(f"第 {event.seq} 条事件（{event.type}）是重演尚不支持的操作")
            self._compare(recorded, len(recorded))
            if len(self.produced) > len(recorded):
                extra = self.produced[len(recorded)]
                raise Diverged(f"重演多出了留痕中没有的事件：{_describe(extra)}")
            self._compare_state()
        except Diverged as exc:
            result.ok = False
            result.divergence = {"message": exc.message}
        except Exception as exc:  # whatever a tampered trail makes the library raise: a finding, not a crash
            result.ok = False
            result.divergence = {"message": f"重演在第 {len(self.produced) + 1} 步无法继续：{exc}"}
        result.events = len(recorded)
        result.status = self.stub.status
        result.path = [e.element_id for e in self.produced if e.element_id]
        return result

    # ---- feeding inputs ------------------------------------------------------------

    def _apply(self, event):
        data = event.data or {}
        if event.type == ev.CASE_STARTED:
            if self.wf is not None:
                raise Diverged(f"第 {event.seq} 条事件：办件启动了两次")
            self.wf = spiff.new_workflow(self.spec, self.subprocess_specs)
            start_data = {**(data.get("data") or {}), "case_number": self.case.number,
                          "applicant": data.get("applicant")}
            if "commitments" in data:
                start_data["commitments"] = data["commitments"]
            for task in self.wf.get_tasks(state=TaskState.READY):
                task.data.update(start_data)
            self._step(event.actor, lambda step: step.event(ev.CASE_STARTED, data=data))
        elif self.wf is None:
            raise Diverged(f"第 {event.seq} 条事件发生在办件启动之前")
        elif event.type == ev.TASK_COMPLETED:
            self._step(event.actor, lambda step: self._complete(step, event))
        elif event.type == ev.MESSAGE_RECEIVED:
            self._step(event.actor, lambda step: deliver(step, data.get("name"), data.get("payload") or {}))
        elif event.type == ev.DEFINITION_MIGRATED:
            self._migrate(event)

    def _migrate(self, event):
        from engine.workbench.migration import move, plan

        target = _version_id(self.session, self.case.process_key, (event.data or {}).get("to_version"))
        spec, subprocess_specs = self.engine.repository.specs(self.session, target)
        movable, reason, _, diffs = plan(self.wf, spec, subprocess_specs)
        if not movable:
            raise Diverged(f"第 {event.seq} 条事件：重演时办件无法迁移（{reason}）")
        move(self.wf, diffs, spec, subprocess_specs)
        self.stub.definition_id = target
        self._step(event.actor, lambda step: step.event(ev.DEFINITION_MIGRATED, data=event.data))

    def _complete(self, step, event):
        task = self._task_for(event)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise Diverged(f"第 {event.seq} 条事件：重演时「{(event.data or {}).get('name') or event.element_id}」"
                           "并不处于可办理状态")
        submitted = (event.data or {}).get("submitted") or {}
        changes = changes_of(task.data, submitted)
        task.data.update(submitted)
        task.run()
        self.open_tasks.pop(task.id, None)  # done, not cancelled: its inbox row leaves as COMPLETED
        step.recorded_tasks.add(task.id)
        step.event(ev.TASK_COMPLETED, element_id=task.task_spec.bpmn_id, task_id=str(task.id), data={
            "name": element_name(task.task_spec), "lane": task.task_spec.lane, "submitted": submitted,
            "changes": changes})

    def _task_for(self, event):
        """The replay's task for a recorded completion: matched through the task_ready events' order."""
        if event.task_id in self.recorded_ready:
            k = self.recorded_ready[event.task_id]
            if k < len(self.replay_ready) and self.replay_ready[k][1] == event.element_id:
                return self.wf.get_task_from_id(UUID(self.replay_ready[k][0]))
            return None
        return next((t for t in all_tasks(self.wf) if t.task_spec.manual and t.state == TaskState.READY
                     and t.task_spec.bpmn_id == event.element_id), None)

    def _step(self, actor_name, command):
        step = ReplayStep(self.engine, self.stub, self.wf, SimpleNamespace(name=actor_name), self)
        try:
            command(step)
            step.advance()
            step.finish()
        except TongbanError as exc:
            raise Diverged(f"重演在第 {len(self.produced) + 1} 步出错：{exc.message}") from exc

    # ---- comparing -----------------------------------------------------------------------

    def _expect_caught_up(self, recorded, i):
        """Before an input is fed, the replay must have produced exactly what the trail has up to it."""
        self._compare(recorded, i)
        if len(self.produced) > i:
            raise Diverged(f"第 {recorded[i].seq} 条事件之前，重演多出了事件：{_describe(self.produced[i])}")

    def _compare(self, recorded, upto):
        for i in range(self.compared, min(upto, len(self.produced))):
            want, got = recorded[i], self.produced[i]
            if _fingerprint(want.type, want.element_id, want.data) != _fingerprint(got.type, got.element_id, got.data):
                raise Diverged(f"第 {want.seq} 条事件不一致：留痕记录为「{_describe(want)}」，重演得到「{_describe(got)}」")
            self.compared = i + 1
        if len(self.produced) < upto:
            want = recorded[len(self.produced)]
            raise Diverged(f"第 {want.seq} 条事件「{_describe(want)}」在重演中没有发生")

    def _compare_state(self):
        if self.stub.status != self.case.status:
            raise Diverged(f"最终状态不一致：办件为「{self.case.status}」，重演为「{self.stub.status}」")
        if canonical(self.stub.data) != canonical(self.case.data):
            keys = sorted(k for k in set(self.stub.data) | set(self.case.data)
                          if canonical(self.stub.data.get(k)) != canonical(self.case.data.get(k)))
            raise Diverged("最终数据不一致：" + "、".join(keys))


def _fingerprint(type, element_id, data):
    """What must be equal: the type and element always; the data of derived events
    (inputs are equal by construction), without display names, which may be renamed."""
    if type in INPUTS:
        return (type, element_id)
    return (type, element_id, canonical(_without_names(data)))


def _without_names(value):
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items() if k != "name"}
    if isinstance(value, list):
        return [_without_names(v) for v in value]
    return value


def _describe(event):
    data = event.data or {}
    text = TYPE_NAMES.get(event.type, event.type)
    name = data.get("name")
    if name:
        text += f" {name}"
    if event.type == ev.GATEWAY_PASSED:
        text += " → " + "、".join(t.get("name") or "" for t in data.get("taken") or []) if data.get("taken") else " → 无"
    if event.type == ev.RULE_EVALUATED:
        text += f" 输出 {canonical(data.get('outputs')).decode()}"
    return text
