"""Workbench service: drafts, trials, versions and migration, for analysts.

Writes are commands (``drafts``, ``trials``, ``migration``); reads are queries here."""
import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import Case, Definition, User
from engine.runtime.step import RUNNING

from . import drafts, trials
from .migration import Migrate


class WorkbenchService:
    def __init__(self, engine):
        self.engine = engine

    # ---- drafts -------------------------------------------------------------

    def drafts(self):
        return drafts.DraftQueries(self.engine).list()

    def draft(self, key):
        draft, real_name = drafts.DraftQueries(self.engine).get(key)
        problems = drafts.problems_of(self.engine, draft.files)
        return drafts.as_dict(draft, real_name, problems=problems, sources=True)

    def save_draft(self, key, files, actor):
        draft, problems = self.engine.execute(drafts.SaveDraft(key, files, actor))
        return drafts.as_dict(draft, self._real_name(actor.name), problems=problems)

    def delete_draft(self, key, actor):
        return self.engine.execute(drafts.DeleteDraft(key, actor))

    def publish(self, key, note, actor):
        """Deploy the draft with its change note: ``(deployed, problems)``; LintFailed on errors."""
        note = drafts.check_note(note)
        draft, _ = drafts.DraftQueries(self.engine).get(key)
        return self.engine.repository.deploy_checked(list(draft.files.items()), deployed_by=actor.name, note=note)

    # ---- trials -------------------------------------------------------------

    def start_trial(self, key, data, actor):
        return self.engine.execute(trials.StartTrial(key, trials.check_data(data), actor))

    def trial(self, trial_id):
        return trials.trial_view(self.engine, trial_id)

    def arrive_in_trial(self, trial_id, element_id, data, actor):
        return self.engine.execute(trials.ArriveInTrial(trial_id, element_id, trials.check_data(data), actor))

    def complete_trial_task(self, trial_id, task_id, data, actor):
        return self.engine.execute(trials.CompleteTrialTask(trial_id, task_id, trials.check_data(data), actor))

    # ---- versions and migration ------------------------------------------------

    def versions(self, key):
        """Every version of process ``key``, newest first, with its running cases."""
        running = (sa.select(Case.definition_id, sa.func.count().label("n")).where(Case.status == RUNNING)
                   .group_by(Case.definition_id).subquery())
        with self.engine.db.read() as session:
            rows = session.execute(
                sa.select(Definition, User.display_name, sa.func.coalesce(running.c.n, 0))
                .outerjoin(User, User.name == Definition.deployed_by)
                .outerjoin(running, running.c.definition_id == Definition.id)
                .where(Definition.kind == "bpmn", Definition.key == key)
                .order_by(Definition.version.desc())).all()
        if not rows:
            raise NotFound(f"未找到流程 {key}", details={"key": key})
        return [{"id": d.id, "version": d.version, "deployed_at": d.deployed_at,
                 "deployed_by": real_name or d.deployed_by, "note": d.note, "running_cases": n}
                for d, real_name, n in rows]

    def migrate(self, process, to_version, actor, from_version=None, cases=None, dry_run=True):
        return self.engine.execute(Migrate(process, to_version, actor, from_version, cases, dry_run))

    def _real_name(self, name):
        with self.engine.db.read() as session:
            return session.scalar(sa.select(User.display_name).where(User.name == name)) or name
