"""A step: one engine call on one loaded case, inside its unit of work.

The step runs the workflow until only people, messages or future timers can
move it, records what happened in the trail, syncs the inbox rows and timer
jobs derived from the workflow, and stores the state. Commands do their part
(complete a task, deliver a message) on the step before it advances.
"""
import functools
import os
import time
import warnings
from datetime import datetime

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

from engine import history, spiff
from engine.errors import RunawayStep, ScriptError, TongbanError
from engine.licences import operator as licence_operator
from engine.models import HumanTask, Job, TaskCandidate, utcnow
from engine.runtime.failures import element_error
from engine.spiff import dmn, scripting
from engine.spiff.prune import prune
from engine.supervision.hooks import outcome_of, prefill_deadlines, supervise
from engine.applicants import credit
from engine.tasks import rules
from engine.tasks.assignment import drawn_assignment

# Flushing only the new inbox rows (``_sync_human_tasks``) is what keeps the case to one UPDATE.
warnings.filterwarnings("ignore", message="The `objects` parameter of `Session.flush` is deprecated")

MAX_ENGINE_TASKS_PER_CALL = 10_000
MAX_SUBPROCESSES = 500  # live sub-workflows of one case (recursion is refused at deploy too)
DEFAULT_STEP_SECONDS = 5.0
RUNNING, COMPLETED, TERMINATED = "running", "completed", "terminated"
DEFINITE = TaskState.DEFINITE_MASK


def all_tasks(wf):
    """Every task of the case, sub-processes included, without a depth limit."""
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


# What people read for an element drawn without a name (never its internal id).
UNNAMED = ((ParallelGateway, "并行网关"), (InclusiveGateway, "包容网关"), (ExclusiveGateway, "排他网关"),
           (StartEvent, "开始事件"), (EndEvent, "结束事件"), (BusinessRuleTaskMixin, "规则判定"),
           (ScriptTask, "脚本任务"))


def drawn_spec(spec):
    """The drawn BPMN element a spec stands for: itself, or, for the split and join
    SpiffWorkflow generates around an activity with boundary events
    (``wait_supplement.BoundaryEventSplit``), that activity. None for the
    workflow's own start and end bookkeeping."""
    if spec.bpmn_id is not None:
        return spec
    if isinstance(spec, (BoundaryEventSplit, BoundaryEventJoin)):
        owner = spec._wf_spec.task_specs.get(spec.name.rsplit(".", 1)[0])
        return owner if owner is not None and owner.bpmn_id is not None else None
    return None


def element_name(spec):
    drawn = drawn_spec(spec) or spec
    if drawn.bpmn_name:
        return drawn.bpmn_name
    return next((label for kind, label in UNNAMED if isinstance(drawn, kind)), "流程环节")


def form_key_of(spec):
    return (spec.extensions or {}).get("properties", {}).get("formKey") if hasattr(spec, "extensions") else None


def public_data(data):
    return {k: v for k, v in data.items() if not k.startswith("_")}


def current_data(wf):
    """What the case knows now: the workflow's data overlaid with every open branch's data."""
    merged = dict(wf.data)
    if not wf.is_completed():
        frontier = [t for t in all_tasks(wf)
                    if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
                    and t.task_spec.bpmn_id is not None]
        for task in sorted(frontier, key=lambda t: t.last_state_change):
            merged.update(task.data)
    return public_data(merged)


def step_seconds():
    """Wall-clock cap of one unit of work's engine steps (TONGBAN_STEP_SECONDS, default 5)."""
    try:
        seconds = float(os.environ.get("TONGBAN_STEP_SECONDS", DEFAULT_STEP_SECONDS))
    except ValueError:
        return DEFAULT_STEP_SECONDS
    return seconds if seconds > 0 else DEFAULT_STEP_SECONDS




def claim_version(session, case):
    """Mark the case changed: the unit of work's one ``UPDATE case … WHERE row_version = :v``
    (at its flush) then checks the version, so of two writers racing on one case the
    second fails (Conflict) and its whole unit of work rolls back. No early flush: on
    SQLite ``BEGIN IMMEDIATE`` already serialises writers, on PostgreSQL the update waits
    for the first writer's row lock and then finds the version moved on."""
    case.updated_at = utcnow()


class Context:
    """A unit of work as a command sees it: the engine, the open session, who acts."""

    def __init__(self, engine, session, actor):
        self.engine, self.session, self.actor = engine, session, actor


class CaseContext(Context):
    """A locked case inside a unit of work: what a command that does not run the workflow gets."""

    def __init__(self, engine, session, case, actor):
        super().__init__(engine, session, actor)
        self.case = case

    def event(self, type, **kwargs):
        kwargs.setdefault("actor", self.actor.name)
        return history.append(self.session, self.case, type, **kwargs)


class Step(CaseContext):
    """A locked case with its running workflow: advanced and saved after the command."""
    stores_state = True  # a replay's step keeps its workflow in memory only

    def __init__(self, engine, session, case, wf, actor):
        super().__init__(engine, session, case, actor)
        self.wf = wf
        self.before = {t.id: t.state for t in all_tasks(wf)}
        self.engine_tasks = 0
        self.recorded_tasks = set()
        self.seconds = step_seconds()
        self.deadline = time.monotonic() + self.seconds
        self.running = None  # the engine task being run: named when it fails
        self.outgoing = []   # correlated messages thrown, delivered after commit
        self.assign_on_ready = {}  # spiff task id -> who gets its new inbox row (撤回)
        self.fresh_rows = []  # the inbox rows this step made
        # Drawn service tasks (issueLicence) run against this step's unit of work.
        wf.script_engine.call_service = functools.partial(licence_operator.call_service, self)

    def thrown(self):
        """(sender, messages) to deliver after commit, or None (engine.runtime.commands.deliver_message)."""
        if not self.outgoing:
            return None
        return (self.case.definition_id, self.case.id, self.case.number), self.outgoing

    def _will_run(self, task):
        self.running = task

    def advance(self):
        """Run engine tasks until only people, messages or future timers can move the case."""
        try:
            while True:
                self._check_time(None)
                self.wf.refresh_timers()
                self.wf.do_engine_steps(will_complete_task=self._will_run, did_complete_task=self._did_complete)
                if not any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(self.wf)):
                    break
        except TongbanError:
            raise
        except Exception as exc:  # what a diagram's code raised, wrapped by Spiff or not
            raise element_error(exc, self.running) from exc

    def _did_complete(self, task):
        self.engine_tasks += 1
        if self.engine_tasks > MAX_ENGINE_TASKS_PER_CALL:
            raise RunawayStep("流程自动步骤超过上限，可能存在无限循环，已中止，办件保持原状",
                              details={"reason": "steps", "limit": MAX_ENGINE_TASKS_PER_CALL,
                                       "element": task.task_spec.bpmn_id})
        if len(self.wf.subprocesses) > MAX_SUBPROCESSES:
            raise ScriptError("调用活动或子流程嵌套过多，可能在递归调用", details={
                "limit": MAX_SUBPROCESSES, "element": task.task_spec.bpmn_id})
        self._check_time(task)
        self._record_engine_task(task)

    def _check_time(self, task):
        if time.monotonic() > self.deadline:
            raise RunawayStep(f"流程自动步骤运行超过 {self.seconds:g} 秒，已中止，办件保持原状",
                              details={"reason": "time", "limit_seconds": self.seconds, "steps": self.engine_tasks,
                                       "element": task.task_spec.bpmn_id if task is not None else None})

    def _record_engine_task(self, task):
        spec = task.task_spec
        if spec.bpmn_id is None or task.id in self.recorded_tasks:
            return
        self.recorded_tasks.add(task.id)
        base = {"element_id": spec.bpmn_id}
        name = element_name(spec)
        if isinstance(spec, (ExclusiveGateway, InclusiveGateway)) or (
                isinstance(spec, ParallelGateway) and len(spec.outputs) > 1):
            taken = [drawn_spec(c.task_spec) for c in task.children if c.state & DEFINITE]
            self.event(history.GATEWAY_PASSED, actor=None, **base, data={
                "name": name, "taken": [{"element_id": s.bpmn_id, "name": element_name(s)} for s in taken if s]})
        elif isinstance(spec, BusinessRuleTaskMixin):
            outputs = sorted(k for k, v in task.data.items() if task.parent is None or task.parent.data.get(k) != v)
            self.event(history.RULE_EVALUATED, actor=None, **base, data={
                "name": name, "decision": self._decision_of(spec), "matched": dmn.matched_rows(task),
                "outputs": {k: task.data[k] for k in outputs if not k.startswith("_")}})
        elif isinstance(spec, ScriptTask):
            self.event(history.SCRIPT_RUN, actor=None, **base, data={"name": name})
        elif isinstance(spec, CatchingEvent) and isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
            self.event(history.TIMER_FIRED, actor=None, **base, data={"name": name})
        elif isinstance(spec, (CatchingEvent, ThrowingEvent)) and not spec.manual:
            self.event(history.EVENT_REACHED, actor=None, **base, data={"name": name})

    def _decision_of(self, spec):
        """Which table decided, in which deployed version (the one baked into the case's definition)."""
        key = (getattr(spec, "extensions", None) or {}).get("calledDecisionId")
        uses = {u["key"]: u.get("version") for u in (self.case.definition.uses or []) if u.get("kind") == "dmn"}
        table = spec.dmnEngine.decision_table
        return {"key": key, "version": uses.get(key), "table": table.id, "name": table.name,
                "hit_policy": table.hit_policy}

    def finish(self):
        """Sync inbox rows and timer jobs, close the case if it ended, store the state."""
        wf, case = self.wf, self.case
        if self.stores_state:  # a replay re-runs what was recorded; nothing to list or refuse
            credit.check_step(self)
        # Tasks completed outside do_engine_steps (caught messages, boundary events) still get their event.
        for task in all_tasks(wf):
            if task.state == TaskState.COMPLETED and self.before.get(task.id) != TaskState.COMPLETED \
                    and not task.task_spec.manual:
                self._record_engine_task(task)
        for event in wf.get_events():
            send_outward(self, event)
        new_rows = self._sync_human_tasks()
        self._sync_jobs()
        data = current_data(wf)
        for name, value in data.items():    # rule outputs and message payloads too, not only scripts
            problem = scripting.data_problem(value)
            if problem:
                raise ScriptError(f"流程数据 {name} 不能保存：{problem}", details={"variable": name})
        case.data = data
        case.updated_at = utcnow()
        ending = wf.is_completed() and case.status == RUNNING
        if ending:
            case.ended_at = utcnow()
            case.outcome = outcome_of(self)
        self._supervise(new_rows)
        if ending:
            terminated = any(
                t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent)
                and isinstance(t.task_spec.event_definition, TerminateEventDefinition)
                for t in wf.tasks.values())
            case.status = TERMINATED if terminated else COMPLETED
            self.event(history.CASE_TERMINATED if terminated else history.CASE_COMPLETED, actor=None,
                       data={"data": case.data, "outcome": case.outcome})
        if self.stores_state:
            case.state = prune(spiff.dump_state(wf))  # finished loop rounds stay in the trail only
            case.serializer_version = spiff.serializer.VERSION

    def _supervise(self, new_rows):
        supervise(self, new_rows)

    # ---- rows derived from the workflow ---------------------------------------

    def _sync_human_tasks(self):
        session, case = self.session, self.case
        live = rules.open_rows(session, case.id)
        rows = {r.spiff_task_id: r for r in live if r.kind == rules.TASK}
        ready = {str(t.id): t for t in all_tasks(self.wf) if t.task_spec.manual and t.state == TaskState.READY}
        for spiff_id, row in rows.items():
            if spiff_id not in ready:
                # Gone from the workflow (a boundary event, 退回, 撤回): so are its 加签 rows.
                for gone in [row] + rules.signers(live, row):
                    gone.state = rules.CANCELLED
                    gone.completed_at = utcnow()
                    self.event(history.TASK_CANCELLED, actor=None, task_id=gone.id, element_id=gone.element_id,
                               data={"name": gone.name, "lane": gone.lane})
        new_rows = []
        for spiff_id, task in ready.items():
            if spiff_id in rows:
                continue
            spec = task.task_spec
            form_key = form_key_of(spec)
            form_version = None
            if form_key:
                _, form_version = self.engine.repository.form(session, form_key)
            assignee, groups, users = drawn_assignment(task)
            new_rows.append(HumanTask(case_id=case.id, spiff_task_id=spiff_id, element_id=spec.bpmn_id,
                                      name=element_name(spec), lane=spec.lane, form_key=form_key,
                                      form_version=form_version, state="READY", created_at=utcnow(),
                                      kind=rules.TASK, urge_count=0,
                                      assignee=self.assign_on_ready.get(spiff_id) or assignee,
                                      candidates=[TaskCandidate(kind="group", name=g) for g in groups]
                                      + [TaskCandidate(kind="user", name=u) for u in users]))
        if new_rows:
            self.fresh_rows = new_rows
            prefill_deadlines(self, new_rows)  # inserted with their deadline: no UPDATE after
            session.add_all(new_rows)
            # The rows' ids go into their trail events: flush these rows only, so the case row
            # is written once, at the end, with its version check (claim_version).
            session.flush([*new_rows, *(c for r in new_rows for c in r.candidates)])
        for row in new_rows:
            drawn = {"assignee": row.assignee, "candidates": [[c.kind, c.name] for c in row.candidates]} \
                if row.assignee or row.candidates else {}
            self.event(history.TASK_READY, actor=None, task_id=row.id, element_id=row.element_id,
                       data={"name": row.name, "lane": row.lane, "form": row.form_key, **drawn})
        rules.refresh_waiting(session, case.id, [r for r in live if r.state in rules.OPEN] + new_rows)
        return new_rows

    def _sync_jobs(self):
        session, case, wf = self.session, self.case, self.wf
        if not has_timers(wf):  # no timer drawn: no job row can exist for this case
            return
        existing = {j.spiff_task_id: j for j in session.scalars(sa.select(Job).where(Job.case_id == case.id))}
        wanted = {}
        if not wf.is_completed():
            for task in wf.event_manager.tasks.values():
                definition = getattr(task.task_spec, "event_definition", None)
                if isinstance(definition, TimerEventDefinition) or any(  # an event-based gateway's timer
                        isinstance(d, TimerEventDefinition) for d in getattr(definition, "event_definitions", ())):
                    due = _timer_due(task)
                    if due is not None:
                        wanted[str(task.id)] = (task, due)
        for spiff_id, job in existing.items():
            if spiff_id not in wanted:
                session.delete(job)
        for spiff_id, (task, due) in wanted.items():
            job = existing.get(spiff_id)
            if job is None:
                session.add(Job(case_id=case.id, kind="timer", element_id=task.task_spec.bpmn_id,
                                spiff_task_id=spiff_id, due_at=due))
            elif job.due_at != due:
                job.due_at, job.locked_by, job.locked_until, job.attempts = due, None, None, 0


def has_timers(wf):
    """Whether the case's diagram (its sub-processes included) draws any timer; kept on the spec."""
    spec = wf.spec
    known = getattr(spec, "_tongban_has_timers", None)
    if known is None:
        specs = [spec, *wf.subprocess_specs.values()]
        known = any(_is_timer(getattr(t, "event_definition", None)) for s in specs for t in s.task_specs.values())
        spec._tongban_has_timers = known
    return known


def _is_timer(definition):
    return isinstance(definition, TimerEventDefinition) or any(
        isinstance(d, TimerEventDefinition) for d in getattr(definition, "event_definitions", ()))


def send_outward(step, event):
    """A message no task of this case caught (send task, message throw): the trail's
    ``message_sent`` event, which webhook subscribers receive."""
    definition = event.event_definition
    if isinstance(definition, MessageEventDefinition):
        # Drawn without a payload expression (as Camunda/Flowable draw it): the case data goes out.
        payload = event.payload if getattr(definition, "expression", None) else current_data(step.wf)
        if event.correlations:  # a correlated case of the same version may be waiting (executor)
            step.outgoing.append((definition.name, payload, event.correlations))
        step.event(history.MESSAGE_SENT, actor=None, data={
            "name": definition.name, "payload": public_data(payload) if isinstance(payload, dict) else payload,
            "correlations": event.correlations or {}})


def _timer_due(task):
    """When a waiting timer falls due: Spiff keeps a date (time/duration timers,
    once evaluated) or a cycle's next occurrence in the task's internal data."""
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    due = TimerEventDefinition.parse_time_or_duration(value)
    return due if isinstance(due, datetime) else None
