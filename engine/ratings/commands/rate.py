"""Rate a finished case, once: the applicant themself, or the integrator that brought the case in."""
import sqlalchemy as sa

from engine import history
from engine.commands import CaseCommand
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import Matter, Rating, utcnow

MAX_COMMENT = 1000


class RateCase(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id, score, comment, actor):
        if type(score) is not int or not 1 <= score <= 5:
            raise InvalidInput("评分应为 1–5 的整数", details={"score": "1–5"})
        comment = comment if comment is not None else ""
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise InvalidInput(f"评价内容不能超过{MAX_COMMENT}字", details={"comment": "过长"})
        self._case_id, self.score, self.comment, self.actor = case_id, score, comment.strip(), actor

    def case_id(self, session):
        return self._case_id

    def execute(self, ctx):
        case, actor = ctx.case, self.actor
        own = getattr(actor, "id_number", None)
        if actor.role not in ("applicant", "integrator"):
            raise Forbidden("只有申请人本人（或代其提交申请的对接系统）可以评价办件")
        if not ((actor.role == "applicant" and own and own.upper() == case.applicant_id_number)
                or (actor.role == "integrator" and case.started_by == actor.name)):
            raise NotFound("办件不存在", details={"case_id": case.id})  # another's case does not exist for them
        if case.status == "running":
            raise Conflict("办件尚未办结，办结后才能评价", code="not_finished")
        if ctx.session.scalar(sa.select(Rating.id).where(Rating.case_id == case.id)) is not None:
            raise Conflict("该办件已评价过，每个办件只能评价一次", code="already_rated")
        matter = ctx.session.get(Matter, case.process_key)
        rating = Rating(case_id=case.id, process_key=case.process_key, department=matter.department if matter else "",
                        score=self.score, comment=self.comment, rated_by=actor.name, at=utcnow())
        ctx.session.add(rating)
        ctx.session.flush()
        ctx.event(history.CASE_RATED, data={"score": self.score, "comment": self.comment})
        return rating
