"""Trials: a draft run with sample data in a sandbox, one step at a time.

A trial is its own row (``trial``): the whole SpiffWorkflow state, spec
included, so later edits to the draft do not change a run under way. No case,
task, trail event, job or webhook is written; scripts and conditions run in the
same sandboxed script engine as cases. Timers and messages are shown as waits;
a trial does not fire them.
"""
from pathlib import PurePosixPath

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import spiff
from engine.commands import Command
from engine.errors import InvalidInput, NotFound, RunawayStep, TongbanError
from engine.models import Draft, Trial, utcnow
from engine.repository.forms import Form, validate_free_data
from engine.repository.service import kind_of
from engine.runtime.commands.send_message import _messages
from engine.runtime.failures import element_error
from engine.runtime.step import form_key_of
from engine.window import rules as window_rules

MAX_STEPS = 1000   # engine tasks per trial call: a loop in a draft stops here
MAX_TRIALS_PER_DRAFT = 50
WAITING = {"ReceiveTask", "IntermediateCatchEvent", "BoundaryEvent", "EventBasedGateway"}


def _tasks(wf):
    return [t for t in wf.get_tasks() if t.task_spec.bpmn_id is not None]


def _advance(wf):
    """Run engine steps as a case would, with a cap instead of a clock."""
    steps = 0

    def did_complete(task):
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise RunawayStep(f"试运行自动步骤超过 {MAX_STEPS} 步，可能存在无限循环")

    try:
        while True:
            wf.refresh_timers()
            wf.do_engine_steps(did_complete_task=did_complete)
            if not any(t.state == TaskState.READY and not t.task_spec.manual for t in wf.get_tasks()):
                break
    except TongbanError:
        raise
    except Exception as exc:   # the diagram's code failed: reported in the trial, as a clerk would read it
        raise element_error(exc) from exc


def _completed(wf, before):
    done = [t for t in _tasks(wf) if t.state == TaskState.COMPLETED and t.id not in before]
    done.sort(key=lambda t: t.last_state_change)
    return [t.task_spec.bpmn_id for t in done]


def _snapshot(wf):
    return spiff.serializer.to_dict(wf)


def _restore(state):
    wf = spiff.serializer.from_dict(state)
    wf.script_engine = spiff.script_engine()
    return wf


def view(trial):
    """The trial as the contract shows it."""
    wf = _restore(trial.state)
    active, waiting, tasks, waits = [], [], [], []
    for task in _tasks(wf):
        spec = task.task_spec
        if task.state == TaskState.READY and spec.manual:
            active.append(spec.bpmn_id)
            tasks.append({"id": str(task.id), "element_id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id,
                          "lane": spec.lane, "form": form_key_of(spec)})
        elif task.state == TaskState.WAITING or task.state == TaskState.STARTED and type(spec).__name__ in WAITING:
            waiting.append(spec.bpmn_id)   # a message, a timer: the analyst plays the outside world
            kind, message = _wait_kind(task)
            if kind and spec.bpmn_id not in {w["element_id"] for w in waits}:
                waits.append({"element_id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id, "kind": kind,
                              "message": message})
    # The data where the token last moved (a finished run: the workflow's own data).
    moved = [t for t in _tasks(wf) if t.state in (TaskState.COMPLETED, TaskState.READY)]
    latest = max(moved, key=lambda t: t.last_state_change, default=None)
    data = dict(latest.data) if latest is not None else {}
    if wf.is_completed() and wf.data:
        data = {**data, **wf.data}
    return {"id": trial.id, "draft": trial.draft_key, "finished": wf.is_completed(), "data": data,
            "completed": list(trial.completed), "active": active, "waiting": sorted(set(waiting)),
            "tasks": tasks, "waits": waits, "error": trial.error}


def _wait_kind(task):
    """("message", name) or ("timer", None) for what a waiting task catches, else (None, None)."""
    definition = getattr(task.task_spec, "event_definition", None)
    messages = _messages(definition)
    if messages:
        return "message", messages[0].name
    if isinstance(definition, TimerEventDefinition):
        return "timer", None
    return None, None


class StartTrial(Command):
    def __init__(self, key, data, actor):
        self.key, self.data, self.actor = key, data, actor

    def prepare(self, engine):
        with engine.db.read() as session:
            draft = session.get(Draft, self.key)
            if draft is None:
                raise NotFound(f"未找到草稿 {self.key}", details={"key": self.key})
            files = list(draft.files.items())
        spec, subprocess_specs = engine.repository.build_specs(files, self.key)
        self.start_form = next((form_key_of(s) for s in spec.task_specs.values()
                                if type(s).__name__ == "StartEvent" and form_key_of(s)), None)
        self.wf = spiff.new_workflow(spec, subprocess_specs)

    def execute(self, ctx):
        count = ctx.session.scalar(sa.select(sa.func.count()).select_from(Trial).where(Trial.draft_key == self.key))
        if count >= MAX_TRIALS_PER_DRAFT:   # keep the oldest out of the way, not the table growing
            oldest = ctx.session.scalars(sa.select(Trial).where(Trial.draft_key == self.key)
                                         .order_by(Trial.id).limit(count - MAX_TRIALS_PER_DRAFT + 1)).all()
            for old in oldest:
                ctx.session.delete(old)
        # Sample data passes the start form, as an application would.
        data = _form(ctx, self.key, self.start_form).validate(self.data) if self.start_form \
            else validate_free_data(self.data)
        wf = self.wf
        start_data = {**data, "case_number": "TRIAL", "applicant": {"kind": "person", "name": "试运行",
                                                                        "id_number": None}}
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(start_data)
        error = None
        try:
            _advance(wf)
        except TongbanError as exc:
            error = exc.message
        trial = Trial(draft_key=self.key, state=_snapshot(wf), completed=_completed(wf, set()), error=error,
                      created_at=utcnow(), created_by=self.actor.name)
        ctx.session.add(trial)
        ctx.session.flush()
        return view(trial)


class _TrialCommand(Command):
    """One move of a trial: load it, let ``action`` move the token, keep the new state, or stay
    where it was and say why (as a case's step is not taken when it fails)."""

    def load(self, ctx):
        trial = ctx.session.get(Trial, self.trial_id)
        if trial is None:
            raise NotFound(f"未找到试运行 {self.trial_id}", details={"trial": self.trial_id})
        return trial, _restore(trial.state)

    def move(self, ctx, trial, wf, task, action):
        before = {t.id for t in _tasks(wf) if t.state == TaskState.COMPLETED}
        try:
            action()
            _advance(wf)
        except TongbanError as exc:
            trial.error = exc.message
        except Exception as exc:
            trial.error = element_error(exc, task).message
        else:
            trial.completed = list(trial.completed) + _completed(wf, before)
            trial.state = _snapshot(wf)
            trial.error = None
        ctx.session.flush()
        return view(trial)


class CompleteTrialTask(_TrialCommand):
    def __init__(self, trial_id, task_id, data, actor):
        self.trial_id, self.task_id, self.data, self.actor = trial_id, task_id, data, actor

    def execute(self, ctx):
        trial, wf = self.load(ctx)
        task = next((t for t in _tasks(wf) if str(t.id) == self.task_id), None)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise NotFound("该环节不在待办中", details={"task": self.task_id})
        form_key = form_key_of(task.task_spec)
        data, window_data = self.data or {}, {}
        role = window_rules.role_in((getattr(task.task_spec, "extensions", None) or {}).get("properties") or {})
        if role is not None:  # an acceptance or delivery step checks its answers as for a case
            data, window_data = window_rules.check_marked(
                role, window_rules.materials_of(ctx.session, trial.draft_key), data)
        if form_key:
            data = _form(ctx, trial.draft_key, form_key).validate(data)
        else:
            data = validate_free_data(data)
        task.data.update({**data, **window_data})
        return self.move(ctx, trial, wf, task, task.run)


class ArriveInTrial(_TrialCommand):
    """A message or a timer a trial waits on arrives: the analyst plays the applicant or the clock."""

    def __init__(self, trial_id, element_id, data, actor):
        self.trial_id, self.element_id, self.data, self.actor = trial_id, element_id, data, actor

    def execute(self, ctx):
        trial, wf = self.load(ctx)
        task = next((t for t in _tasks(wf) if t.task_spec.bpmn_id == self.element_id
                     and t.state in (TaskState.WAITING, TaskState.STARTED) and _wait_kind(t)[0]), None)
        if task is None:
            raise NotFound("该环节不在等待消息或定时器", details={"element": self.element_id})
        if _wait_kind(task)[0] == "timer":
            # The deadline has come, whatever the clock says.
            return self.move(ctx, trial, wf, task, lambda: task._set_internal_data(event_fired=True))
        payload = validate_free_data(self.data or {})  # bad data is a 422, not a stuck trial
        [definition] = _messages(task.task_spec.event_definition)[:1]
        return self.move(ctx, trial, wf, task, lambda: wf.send_event(
            BpmnEvent(definition, payload=payload, correlations=definition.get_correlations(task, payload))))


def _form(ctx, draft_key, form_key):
    """The draft's own form of that key, else the deployed one."""
    draft = ctx.session.get(Draft, draft_key)
    for filename, text in (draft.files if draft is not None else {}).items():
        if kind_of(filename) == "form":
            form = Form.parse(text, key_hint=PurePosixPath(filename).stem)
            if form.key == form_key:
                return form
    return ctx.engine.repository.form(ctx.session, form_key)[0]


def trial_view(engine, trial_id):
    with engine.db.read() as session:
        trial = session.get(Trial, trial_id)
        if trial is None:
            raise NotFound(f"未找到试运行 {trial_id}", details={"trial": trial_id})
        return view(trial)


def check_data(data):
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("试运行数据应为 JSON 对象", details={"data": "应为对象"})
    return data or {}
