"""Runtime service: start cases, deliver messages, fire timers.

Every call is one unit of work (DESIGN.md): load the case → run SpiffWorkflow →
append trail events → sync inbox rows and timer jobs → save the state → commit.
If anything fails on the way, nothing of it is stored. Concurrent calls on one
case are serialised by the case's ``row_version``: the loser gets Conflict.
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
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
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import history, scripting, spiff
from .errors import InvalidInput, NotFound, NothingWaiting, ScriptError, TongbanError
from .forms import validate_free_data
from .identity import normalize_applicant
from .models import Case, HumanTask, Job, Matter, utcnow

MAX_ENGINE_TASKS_PER_CALL = 10_000
RUNNING, COMPLETED, TERMINATED = "running", "completed", "terminated"
DEFINITE = TaskState.DEFINITE_MASK


@dataclass(frozen=True)
class Actor:
    """Who is calling: a user of the system, or the engine itself."""
    name: str
    role: str = "system"
    groups: frozenset = field(default_factory=frozenset)

    @property
    def is_admin(self):
        return self.role == "admin"


SYSTEM = Actor("system")


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


class Step:
    """One engine call on one loaded case: runs the workflow and records what happened."""

    def __init__(self, runtime, session, case, wf, actor):
        self.runtime, self.session, self.case, self.wf, self.actor = runtime, session, case, wf, actor
        self.before = {t.id: t.state for t in all_tasks(wf)}
        self.engine_tasks = 0
        self.recorded_tasks = set()

    def event(self, type, **kwargs):
        kwargs.setdefault("actor", self.actor.name)
        return history.append(self.session, self.case, type, **kwargs)

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
        self.runtime._sync_human_tasks(self)
        self.runtime._sync_jobs(self)
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


def claim_version(session, case):
    """Bump the case's version first: of two writers racing on one case the
    second fails this check (Conflict) before it writes anything else."""
    case.updated_at = utcnow()
    session.flush()


class RuntimeService:
    def __init__(self, engine):
        self.engine = engine

    # ---- loading ----------------------------------------------------------

    def _case_for_update(self, session, case_id):
        case = session.scalars(sa.select(Case).where(Case.id == case_id)
                               .options(sa.orm.undefer(Case.state))).first()
        if case is None:
            raise NotFound("办件不存在", details={"case_id": case_id})
        return case

    def _load(self, session, case):
        spec, subprocess_specs = self.engine.repository.specs(session, case.definition_id)
        try:
            return spiff.load_state(case.state, case.serializer_version, spec, subprocess_specs)
        except Exception as exc:
            raise ScriptError("办件状态无法恢复", details={"reason": str(exc)}) from exc

    def run(self, case_id, actor, action):
        """Load a case, apply ``action(step)``, advance and save, all in one unit of work."""
        with self.engine.db.write() as session:
            case = self._case_for_update(session, case_id)
            claim_version(session, case)
            wf = self._load(session, case)
            with session.no_autoflush:  # one flush at commit, not one per query
                step = Step(self, session, case, wf, actor)
                result = action(step)
                step.advance()
                step.finish()
            return case, result

    def count(self, status=None):
        with self.engine.db.read() as session:
            q = sa.select(sa.func.count()).select_from(Case)
            if status:
                q = q.where(Case.status == status)
            return session.scalar(q)

    # ---- starting ---------------------------------------------------------

    def start(self, process_key, applicant, data=None, actor=SYSTEM):
        if not isinstance(applicant, dict):
            raise InvalidInput("申请人信息必须是对象", details={"applicant": "应为 {kind, id_number, name}"})
        applicant = normalize_applicant(applicant.get("kind"), applicant.get("id_number"), applicant.get("name"))
        with self.engine.db.write() as session:
            definition = self.engine.repository.latest(session, "bpmn", process_key)
            spec, subprocess_specs = self.engine.repository.specs(session, definition.id)
            data = self._validate_start_data(session, spec, data or {})
            matter = session.get(Matter, process_key)
            case = Case(definition_id=definition.id, process_key=process_key, status=RUNNING,
                        applicant_kind=applicant["kind"], applicant_id_number=applicant["id_number"],
                        applicant_name=applicant["name"], data={}, state={}, started_by=actor.name,
                        serializer_version=spiff.serializer.VERSION)
            session.add(case)
            session.flush()
            prefix = (matter.implementation_code if matter and matter.implementation_code else "TB")
            case.number = f"{prefix}{case.created_at:%Y%m%d}{case.id:06d}"
            wf = spiff.new_workflow(spec, subprocess_specs)
            start_data = {**data, "case_number": case.number, "applicant": applicant}
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(start_data)
            with session.no_autoflush:
                step = Step(self, session, case, wf, actor)
                step.event(history.CASE_STARTED, data={
                    "process": process_key, "version": definition.version, "applicant": applicant, "data": data})
                step.advance()
                step.finish()
            return case

    def _validate_start_data(self, session, spec, data):
        """Start data passes the start event's form (formKey), or the free-data rules."""
        form_keys = {form_key_of(s) for s in spec.task_specs.values() if isinstance(s, StartEvent)} - {None}
        if form_keys:
            form, _ = self.engine.repository.form(session, sorted(form_keys)[0])
            data = form.validate(data)
        else:
            data = validate_free_data(data)
        reserved = {"case_number", "applicant"} & set(data)
        if reserved:
            raise InvalidInput("申请数据不能使用保留字段", details={k: "保留字段" for k in reserved})
        return data

    # ---- messages and timers ----------------------------------------------

    def send_message(self, case_id, name, data=None, actor=SYSTEM):
        payload = validate_free_data(data or {})

        def deliver(step):
            waiting = [t for t in step.wf.event_manager.tasks.values()
                       if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)
                       and t.task_spec.event_definition.name == name]
            if not waiting:
                raise NothingWaiting(f"该办件当前没有等待消息「{name}」的环节", details={"message": name})
            definition = waiting[0].task_spec.event_definition
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

        case, _ = self.run(case_id, actor, deliver)
        return case

    def fire_due_timers(self, case_id, actor=SYSTEM):
        """Refresh timers of a case; the advance that follows runs whatever fired."""
        case, _ = self.run(case_id, actor, lambda step: None)
        return case

    # ---- syncing derived rows -----------------------------------------------

    def _sync_human_tasks(self, step):
        session, case, wf = step.session, step.case, step.wf
        # Filtered again in Python: a row completed in this unit of work is not flushed yet.
        rows = {r.spiff_task_id: r for r in session.scalars(
            sa.select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "READY"))
            if r.state == "READY"}
        ready = {str(t.id): t for t in all_tasks(wf) if t.task_spec.manual and t.state == TaskState.READY}
        for spiff_id, row in rows.items():
            if spiff_id not in ready:
                row.state = "CANCELLED"
                row.completed_at = utcnow()
                step.event(history.TASK_CANCELLED, actor=None, task_id=row.id, element_id=row.element_id,
                           data={"name": row.name, "lane": row.lane})
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
                                      form_version=form_version, state="READY", created_at=utcnow()))
        if new_rows:
            session.add_all(new_rows)
            session.flush()  # the rows' ids go into their trail events
        for row in new_rows:
            step.event(history.TASK_READY, actor=None, task_id=row.id, element_id=row.element_id,
                       data={"name": row.name, "lane": row.lane, "form": row.form_key})

    def _sync_jobs(self, step):
        session, case, wf = step.session, step.case, step.wf
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
