"""A step: one engine call on one loaded case, inside its unit of work.

The step runs the workflow until only people, messages or future timers can
move it, records what happened in the trail, syncs the inbox rows and timer
jobs derived from the workflow, and stores the state. Commands do their part
(complete a task, deliver a message) on the step before it advances.
"""
from datetime import datetime

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

from engine import history, spiff
from engine.errors import ScriptError, TongbanError
from engine.models import HumanTask, Job, utcnow
from engine.spiff import scripting
from engine.tasks import rules

MAX_ENGINE_TASKS_PER_CALL = 10_000
RUNNING, COMPLETED, TERMINATED = "running", "completed", "terminated"
DEFINITE = TaskState.DEFINITE_MASK


def all_tasks(wf):
    """Every task of the case, sub-processes included, without a depth limit."""
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


def element_name(spec):
    return spec.bpmn_name or spec.bpmn_id or spec.name


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


def claim_version(session, case):
    """Bump the case's version first: of two writers racing on one case the
    second fails this check (Conflict) before it writes anything else."""
    case.updated_at = utcnow()
    session.flush()


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

    def __init__(self, engine, session, case, wf, actor):
        super().__init__(engine, session, case, actor)
        self.wf = wf
        self.before = {t.id: t.state for t in all_tasks(wf)}
        self.engine_tasks = 0
        self.recorded_tasks = set()
        self.assign_on_ready = {}  # spiff task id -> who gets its new inbox row (撤回)

    def advance(self):
        """Run engine tasks until only people, messages or future timers can move the case."""
        try:
            while True:
                self.wf.refresh_timers()
                self.wf.do_engine_steps(did_complete_task=self._did_complete)
                if not any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(self.wf)):
                    break
        except TongbanError:
            raise
        except Exception as exc:  # what a diagram's code raised, wrapped by Spiff or not
            raise scripting.to_script_error(exc) from exc

    def _did_complete(self, task):
        self.engine_tasks += 1
        if self.engine_tasks > MAX_ENGINE_TASKS_PER_CALL:
            raise ScriptError("流程自动步骤超过上限，可能存在无限循环",
                              details={"limit": MAX_ENGINE_TASKS_PER_CALL, "element": task.task_spec.bpmn_id})
        self._record_engine_task(task)

    def _record_engine_task(self, task):
        spec = task.task_spec
        if spec.bpmn_id is None or task.id in self.recorded_tasks:
            return
        self.recorded_tasks.add(task.id)
        base = {"element_id": spec.bpmn_id}
        name = element_name(spec)
        if isinstance(spec, (ExclusiveGateway, InclusiveGateway)) or (
                isinstance(spec, ParallelGateway) and len(spec.outputs) > 1):
            taken = [c.task_spec for c in task.children if c.state & DEFINITE]
            self.event(history.GATEWAY_PASSED, actor=None, **base, data={
                "name": name, "taken": [{"element_id": s.bpmn_id, "name": element_name(s)} for s in taken]})
        elif isinstance(spec, BusinessRuleTaskMixin):
            outputs = sorted(k for k, v in task.data.items() if task.parent is None or task.parent.data.get(k) != v)
            self.event(history.RULE_EVALUATED, actor=None, **base,
                       data={"name": name, "outputs": {k: task.data[k] for k in outputs if not k.startswith("_")}})
        elif isinstance(spec, ScriptTask):
            self.event(history.SCRIPT_RUN, actor=None, **base, data={"name": name})
        elif isinstance(spec, CatchingEvent) and isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
            self.event(history.TIMER_FIRED, actor=None, **base, data={"name": name})
        elif isinstance(spec, (CatchingEvent, ThrowingEvent)) and not spec.manual:
            self.event(history.EVENT_REACHED, actor=None, **base, data={"name": name})

    def finish(self):
        """Sync inbox rows and timer jobs, close the case if it ended, store the state."""
        wf, case = self.wf, self.case
        # Tasks completed outside do_engine_steps (caught messages, boundary events) still get their event.
        for task in all_tasks(wf):
            if task.state == TaskState.COMPLETED and self.before.get(task.id) != TaskState.COMPLETED \
                    and not task.task_spec.manual:
                self._record_engine_task(task)
        self._sync_human_tasks()
        self._sync_jobs()
        case.data = current_data(wf)
        case.updated_at = utcnow()
        if wf.is_completed() and case.status == RUNNING:
            terminated = any(
                t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent)
                and isinstance(t.task_spec.event_definition, TerminateEventDefinition)
                for t in wf.tasks.values())
            case.status = TERMINATED if terminated else COMPLETED
            case.ended_at = utcnow()
            self.event(history.CASE_TERMINATED if terminated else history.CASE_COMPLETED, actor=None,
                       data={"data": case.data})
        case.state = spiff.dump_state(wf)
        case.serializer_version = spiff.serializer.VERSION

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
            new_rows.append(HumanTask(case_id=case.id, spiff_task_id=spiff_id, element_id=spec.bpmn_id,
                                      name=element_name(spec), lane=spec.lane, form_key=form_key,
                                      form_version=form_version, state="READY", created_at=utcnow(),
                                      kind=rules.TASK, urge_count=0, assignee=self.assign_on_ready.get(spiff_id)))
        if new_rows:
            session.add_all(new_rows)
            session.flush()  # the rows' ids go into their trail events
        for row in new_rows:
            self.event(history.TASK_READY, actor=None, task_id=row.id, element_id=row.element_id,
                       data={"name": row.name, "lane": row.lane, "form": row.form_key})
        rules.refresh_waiting(session, case.id, [r for r in live if r.state in rules.OPEN] + new_rows)

    def _sync_jobs(self):
        session, case, wf = self.session, self.case, self.wf
        existing = {j.spiff_task_id: j for j in session.scalars(sa.select(Job).where(Job.case_id == case.id))}
        wanted = {}
        if not wf.is_completed():
            for task in wf.event_manager.tasks.values():
                definition = getattr(task.task_spec, "event_definition", None)
                if isinstance(definition, TimerEventDefinition):
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
