"""Revoke an e-licence (admin, with a reason): recorded in the trail of the case that issued it."""
import sqlalchemy as sa

from engine import history
from engine.commands import CaseCommand
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import Licence, utcnow

MAX_REASON = 1000


class RevokeLicence(CaseCommand):
    loads_workflow = False

    def __init__(self, licence_id, reason, actor):
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("撤销电子证照必须说明理由", details={"reason": "必填"})
        if len(reason) > MAX_REASON:
            raise InvalidInput(f"撤销理由不能超过{MAX_REASON}字", details={"reason": "过长"})
        self.licence_id, self.reason, self.actor = licence_id, reason.strip(), actor

    def prepare(self, engine):
        if self.actor.role != "admin":
            raise Forbidden("只有管理员可以撤销电子证照", details={"role": self.actor.role})

    def case_id(self, session):
        case_id = session.scalar(sa.select(Licence.case_id).where(Licence.id == self.licence_id))
        if case_id is None:
            raise NotFound("电子证照不存在", details={"licence_id": self.licence_id})
        return case_id

    def execute(self, ctx):
        licence = ctx.session.get(Licence, self.licence_id)
        if licence.status == "revoked":
            raise Conflict("该电子证照已被撤销", details={"licence_id": licence.id})
        licence.status, licence.revoked_at = "revoked", utcnow()
        licence.revoked_by, licence.revoke_reason = self.actor.name, self.reason
        ctx.event(history.LICENCE_REVOKED, data={"licence_id": licence.id, "type": licence.type,
                                                 "number": licence.number, "reason": self.reason})
        return licence
