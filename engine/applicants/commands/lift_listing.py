"""解除失信: an administrator lifts a listing, with a reason; both are audited."""
from engine.commands import Command
from engine.errors import InvalidInput, NotFound
from engine.models import CreditAudit, utcnow

from ..credit import listing


class LiftListing(Command):
    def __init__(self, actor, id_number, reason):
        self.actor, self.id_number, self.reason = actor, id_number, reason

    def execute(self, ctx):
        reason = self.reason.strip() if isinstance(self.reason, str) else ""
        if not reason or len(reason) > 1000:
            raise InvalidInput("请填写解除理由（不超过1000字）", details={"reason": "必填"})
        number = (self.id_number or "").strip().upper() if isinstance(self.id_number, str) else ""
        row = listing(ctx.session, number)
        if row is None:
            raise NotFound("该证件号码不在失信名单中", details={"id_number": number})
        row.lifted_at, row.lifted_by, row.lift_reason = utcnow(), self.actor.name, reason
        ctx.session.add(CreditAudit(action="lifted", at=utcnow(), id_number=number, actor=self.actor.name,
                                    case_id=row.case_id, message=reason))
        ctx.session.flush()
        return row
