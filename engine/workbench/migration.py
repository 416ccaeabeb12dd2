"""Migration: move running cases to another version of their process.

SpiffWorkflow's ``diff_workflow`` aligns the case's task specs with the target's
by element id and ``migrate_workflow`` swaps the spec under the case, resetting
its ready and waiting tasks so they continue on the new drawing (the approach
spiff-arena takes). A case moves only if every element it has touched or is at
exists in the target (else the reason says which, in Chinese); a case inside an
embedded subprocess or call activity moves too, each sub-workflow onto the target's
drawing of that subprocess. A dry run says so case by case; the real
run moves every movable case in one unit of work, each with a
``definition_migrated`` trail event, and leaves the others untouched.

A case stuck on a broken version (a condition with a misspelt variable failed
and rolled back, so its task is still open) moves like any other: its open task
continues on the fixed drawing.
"""
import sqlalchemy as sa
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine import history, spiff
from engine.commands import Command
from engine.errors import InvalidInput, TongbanError
from engine.models import Case, Definition
from engine.runtime.executor import load_workflow, lock_case
from engine.runtime.step import RUNNING, Step, element_name

MAX_CASES = 1000   # per request: a larger batch is several requests
OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _name(spec):
    return element_name(spec) or spec.bpmn_id


def plan(wf, spec, subprocess_specs):
    """``(movable, reason, tasks, diffs)`` for moving workflow ``wf`` onto ``spec``; ``diffs`` is what
    ``move`` needs: the case's own diff and one per running sub-workflow."""
    diff, sub_diffs = diff_workflow(spiff.serializer.registry, wf, spec, subprocess_specs)
    drawings = {id(wf): spec}
    for sp_id, sub in wf.subprocesses.items():
        if sub_diffs.get(sp_id) is None:
            return False, f"子流程「{_name(wf.get_task_from_id(sp_id).task_spec)}」在目标版本中不存在", [], None
        drawings[id(sub)] = subprocess_specs[sub.spec.name]
    tasks, missing = [], []
    for task in wf.get_tasks(state=OPEN):
        if not task.task_spec.bpmn_id:
            continue
        target = drawings[id(task.workflow)].task_specs.get(task.task_spec.name)
        if target is None or target.bpmn_id != task.task_spec.bpmn_id:
            missing.append(_name(task.task_spec))
            continue
        tasks.append({"from": task.task_spec.bpmn_id, "from_name": _name(task.task_spec),
                      "to": target.bpmn_id, "to_name": _name(target)})
    if missing:
        return False, f"当前环节「{'」「'.join(missing)}」在目标版本中不存在", tasks, None
    removed = [t for d in [diff, *sub_diffs.values()] for t in d.removed]
    gone = sorted({_name(t.task_spec) for t in removed if t.task_spec.bpmn_id})
    if gone:
        return False, f"已经过的环节「{'」「'.join(gone)}」在目标版本中不存在，办件无法对应到新流程", tasks, None
    return True, None, tasks, (diff, sub_diffs)


def move(wf, diffs, spec, subprocess_specs):
    """Swap the drawing under the case and under each of its running sub-workflows."""
    diff, sub_diffs = diffs
    subs = list(wf.subprocesses.items())    # the case's own move may drop finished branches' sub-workflows
    migrate_workflow(diff, wf, spec)
    for sp_id, sub in subs:
        if sp_id in wf.subprocesses:
            migrate_workflow(sub_diffs[sp_id], sub, subprocess_specs[sub.spec.name])


class Migrate(Command):
    def __init__(self, process, to_version, actor, from_version=None, cases=None, dry_run=True):
        self.process, self.to_version, self.actor = process, to_version, actor
        self.from_version, self.cases, self.dry_run = from_version, cases, dry_run

    def prepare(self, engine):
        if self.cases is not None and len(self.cases) > MAX_CASES:
            raise InvalidInput(f"一次最多迁移 {MAX_CASES} 件", details={"cases": f"最多 {MAX_CASES} 件"})

    def execute(self, ctx):
        engine, session = ctx.engine, ctx.session
        target = engine.repository.get(session, "bpmn", self.process, self.to_version)
        spec, subprocess_specs = engine.repository.specs(session, target.id)
        q = (sa.select(Case.id, Case.number, Definition.version).join(Definition, Definition.id == Case.definition_id)
             .where(Case.process_key == self.process, Case.status == RUNNING, Case.definition_id != target.id)
             .order_by(Case.id))
        if self.from_version is not None:
            q = q.where(Definition.version == self.from_version)
        if self.cases is not None:
            q = q.where(Case.id.in_(self.cases))
        rows = session.execute(q.limit(MAX_CASES)).all()
        items = []
        for case_id, number, version in rows:
            item = {"case": case_id, "number": number, "from_version": version, "movable": False,
                    "reason": None, "tasks": [], "moved": False}
            items.append(item)
            case = lock_case(session, case_id) if not self.dry_run else session.get(Case, case_id)
            try:
                wf = load_workflow(engine, session, case)
            except TongbanError as exc:
                item["reason"] = f"办件状态无法读取：{exc.message}"
                continue
            movable, reason, tasks, diff = plan(wf, spec, subprocess_specs)
            item.update(movable=movable, reason=reason, tasks=tasks)
            if movable and not self.dry_run:
                try:
                    with session.begin_nested():   # a case that cannot continue is undone alone
                        try:
                            self._move(ctx, case, wf, diff, target, version, tasks)
                        except TongbanError as exc:
                            item.update(movable=False, reason=f"迁移后无法继续：{exc.message}")
                            raise _Undo() from exc
                    item["moved"] = True
                except _Undo:
                    session.expire(case)
        return {"dry_run": self.dry_run, "to_version": self.to_version, "items": items}

    def _move(self, ctx, case, wf, diffs, target, from_version, tasks):
        move(wf, diffs, *ctx.engine.repository.specs(ctx.session, target.id))
        case.definition_id = target.id
        step = Step(ctx.engine, ctx.session, case, wf, self.actor)
        step.event(history.DEFINITION_MIGRATED, data={
            "process": case.process_key, "from_version": from_version, "to_version": target.version,
            "tasks": tasks})
        step.advance()
        step.finish()


class _Undo(Exception):
    """Rolls one case's savepoint back."""
