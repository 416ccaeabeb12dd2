"""补正告知: one notice listing every defect at once (一次性告知), and its answer.

While a notice is open the case's open tasks wait (rows WAITING, not workable);
the answer closes it and its data joins the case's data.
"""
from SpiffWorkflow.util.task import TaskState

from engine import history
from engine.commands import CaseCommand
from engine.applicants import uploads
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import Correction, utcnow
from engine.repository.forms import validate_free_data
from engine.supervision.clock import CaseClock
from engine.tasks import rules

from ..step import all_tasks

OPEN_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED
CORRECTION = "补正"


class _CorrectionCommand(CaseCommand):
    def __init__(self, case_id, actor):
        self._case_id, self.actor = case_id, actor

    def prepare(self, engine):
        engine.runtime.get(self._case_id, self.actor)  # NotFound for a case they may not see

    def case_id(self, session):
        return self._case_id

    def running(self, ctx):
        if ctx.case.status != "running":
            raise Conflict("办件已办结", code="case_ended", details={"case_id": ctx.case.id})


class OpenCorrection(_CorrectionCommand):
    loads_workflow = False

    def __init__(self, case_id, actor, items, reason):
        super().__init__(case_id, actor)
        self.items, self.reason = items, reason or ""

    def execute(self, ctx):
        self.running(ctx)
        rows = rules.open_rows(ctx.session, ctx.case.id)
        if not self.actor.is_admin and not any(r.kind == rules.TASK and rules.may_operate(self.actor, r)
                                               for r in rows):
            raise Forbidden("只有正在办理本办件的人员可以发出补正告知", details={"case_id": ctx.case.id})
        if rules.open_correction(ctx.session, ctx.case.id):
            raise Conflict("本办件已有未答复的补正告知", code="correction_open", details={"case_id": ctx.case.id})
        notice = Correction(case_id=ctx.case.id, items=self.items, reason=self.reason,
                            opened_by=self.actor.name, opened_at=utcnow())
        ctx.session.add(notice)
        ctx.session.flush()
        rules.refresh_waiting(ctx.session, ctx.case.id, rows)
        ctx.event(history.CORRECTION_OPENED, data={"correction_id": notice.id, "items": self.items,
                                                   "reason": self.reason})
        CaseClock(ctx).pause(CORRECTION)  # 补正 time is not the office's (行政许可法 §45)
        return notice


class AnswerCorrection(_CorrectionCommand):
    """Staff and integrators answer with data that joins the case's data. The applicant answers
    online with files and a note only: what they send never sets the case's variables."""
    loads_workflow = True  # the answer's data joins the running workflow's data

    def __init__(self, case_id, actor, data, uploads=()):
        super().__init__(case_id, actor)
        self.data = validate_free_data(data or {})
        self.uploads = uploads or []
        if actor.is_applicant:
            self.data = self._applicant_answer(self.data, self.uploads)

    @staticmethod
    def _applicant_answer(data, uploads):
        note = data.get("note", "")
        if set(data) - {"note"} or not isinstance(note, str) or len(note) > 2000:
            raise InvalidInput("网上补正只能上传材料文件并填写说明", code="applicant_answer",
                               details={"data": "只允许 note（说明，不超过2000字）"})
        if not note.strip() and not uploads:
            raise InvalidInput("请上传补正材料或填写说明", code="applicant_answer")
        return {"note": note.strip(), "channel": "online"}

    def execute(self, step):
        self.running(step)
        notice = rules.open_correction(step.session, step.case.id)
        if notice is None:
            raise Conflict("本办件没有未答复的补正告知", code="no_open_correction", details={"case_id": step.case.id})
        files = []
        for upload in uploads.take(step.session, self.actor.name, self.uploads):
            files.append({"name": upload.name, "material": upload.material})
            uploads.attach(step.session, upload, [step.case])
        answer = {**self.data, "files": files} if files else self.data
        notice.answered_by, notice.answered_at, notice.answer = self.actor.name, utcnow(), answer
        if not self.actor.is_applicant:
            step.wf.data.update(self.data)
            for task in all_tasks(step.wf):
                if task.state & OPEN_STATES and task.task_spec.bpmn_id is not None:
                    task.data.update(self.data)
        step.event(history.CORRECTION_ANSWERED, data={"correction_id": notice.id, "data": answer})
        CaseClock(step).resume(CORRECTION)
        return notice
