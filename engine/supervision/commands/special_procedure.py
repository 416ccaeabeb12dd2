"""特别程序 (行政许可法 §45): hearings, testing, expert review … do not count
against the deadline; a clerk opens one with a reason and closes it again."""
from engine import history
from engine.commands import CaseCommand
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import HumanTask
from engine.supervision.clock import CaseClock

KINDS = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审", "公示", "其他")
SPECIAL = "特别程序"


def _may_act(ctx):
    """The case's own clerks (a group with a task in it) and admins."""
    actor = ctx.actor
    if actor.is_admin:
        return True
    if actor.role != "clerk":
        return False
    rows = ctx.session.query(HumanTask).filter(HumanTask.case_id == ctx.case.id).all()
    return any(r.lane is None or r.lane in actor.groups or r.assignee == actor.name for r in rows)


class StartSpecialProcedure(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id, kind, reason, actor):
        if kind not in KINDS:
            raise InvalidInput(f"特别程序种类应为：{'、'.join(KINDS)}", details={"kind": "不在可选范围内"})
        if not (reason or "").strip():
            raise InvalidInput("请填写启动特别程序的理由", details={"reason": "必填"})
        self.id, self.kind, self.reason, self.actor = case_id, kind, reason.strip(), actor

    def case_id(self, session):
        return self.id

    def execute(self, ctx):
        if not _may_act(ctx):
            raise Forbidden("只有办理该办件的工作人员可以启动特别程序")
        case = ctx.case
        if case.ended_at is not None:
            raise Conflict("办件已办结，不能启动特别程序", details={"case_id": case.id})
        if case.paused_at is not None:
            raise Conflict(f"办件计时已暂停（{case.pause_reason}），不能再启动特别程序", details={"case_id": case.id})
        if case.clock_started_at is None:
            raise Conflict("办件尚未受理，不计时，无需启动特别程序", details={"case_id": case.id})
        ctx.event(history.SPECIAL_PROCEDURE_STARTED, data={"kind": self.kind, "reason": self.reason})
        CaseClock(ctx).pause(f"{SPECIAL}：{self.kind}")
        return case


class EndSpecialProcedure(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id, reason, actor):
        self.id, self.reason, self.actor = case_id, (reason or "").strip(), actor

    def case_id(self, session):
        return self.id

    def execute(self, ctx):
        if not _may_act(ctx):
            raise Forbidden("只有办理该办件的工作人员可以结束特别程序")
        case = ctx.case
        if not (case.pause_reason or "").startswith(SPECIAL):
            raise Conflict("该办件没有进行中的特别程序", details={"case_id": case.id})
        kind = case.pause_reason.split("：", 1)[-1]
        CaseClock(ctx).resume()
        ctx.event(history.SPECIAL_PROCEDURE_ENDED, data={"kind": kind, "reason": self.reason})
        return case
