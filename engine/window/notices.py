"""Numbered written notices (文书) of the front window, kept in the trail (``notice_issued``).

Which notice a case may get follows from what happened to it: the acceptance decision
(受理通知书, 容缺受理告知书, 不予受理决定书) or an open/answered 补正告知 (补正告知书).
The event keeps what the notice says, so a reprint shows the same text and number.
"""
import sqlalchemy as sa

from engine.commands import CaseCommand
from engine.history.events import NOTICE_ISSUED
from engine.errors import Conflict, InvalidInput
from engine.models import CaseEvent, Correction, Matter

from .rules import ACCEPT, REFUSE, TOLERATE

KINDS = {
    "acceptance": ("受理通知书", "受"),
    "tolerance": ("容缺受理告知书", "容"),
    "refusal": ("不予受理决定书", "不受"),
    "correction": ("补正告知书", "补"),
}
FOR_DECISION = {ACCEPT: "acceptance", TOLERATE: "tolerance", REFUSE: "refusal"}


# The columns ``body`` reads, for the case page (no ORM rows).
ISSUED = (sa.select(CaseEvent.seq, CaseEvent.at, CaseEvent.actor, CaseEvent.data)
          .where(CaseEvent.case_id == sa.bindparam("case_id"), CaseEvent.type == NOTICE_ISSUED)
          .order_by(CaseEvent.seq))


def issued(session, case_id, kind=None):
    q = sa.select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.type == NOTICE_ISSUED)
    events = session.scalars(q.order_by(CaseEvent.seq)).all()
    return [e for e in events if kind is None or (e.data or {}).get("kind") == kind]


def body(event):
    empty = {"items": [], "reason": None, "missing_materials": [], "supplement_due": None, "refuse_reason": None}
    return {**empty, **event.data, "seq": event.seq, "issued_at": event.at, "issued_by": event.actor}


class IssueNotice(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id, kind, actor):
        if kind not in KINDS:
            raise InvalidInput("没有这种文书", details={"kind": f"应为 {'、'.join(KINDS)} 之一"})
        self.id, self.kind, self.actor = case_id, kind, actor

    def case_id(self, session):
        return self.id

    def execute(self, ctx):
        case, session = ctx.case, ctx.session
        content = self._content(session, case)
        for event in issued(session, case.id, self.kind):  # a reprint: the same notice, same number
            if event.data.get("subject") == content["subject"]:
                return body(event)
        title, code = KINDS[self.kind]
        year = (case.created_at.year if case.created_at else 0)
        serial = len(issued(session, case.id)) + 1
        matter = session.get(Matter, case.process_key)
        data = {"kind": self.kind, "title": title,
                "number": f"通办{code}字〔{year}〕第{case.id:06d}-{serial:02d}号",
                "case_number": case.number, "matter": matter.name if matter else case.process_key,
                "applicant": {"name": case.applicant_name, "id_number": case.applicant_id_number}, **content}
        event = ctx.event(NOTICE_ISSUED, data=data)
        session.flush()
        return body(event)

    def _content(self, session, case):
        data = case.data or {}
        if self.kind == "correction":
            correction = session.scalars(sa.select(Correction).where(Correction.case_id == case.id)
                                         .order_by(Correction.id.desc())).first()
            if correction is None:
                raise Conflict("本办件没有补正告知", details={"kind": self.kind})
            return {"subject": f"correction-{correction.id}", "items": correction.items, "reason": correction.reason}
        if FOR_DECISION.get(data.get("acceptance")) != self.kind:
            raise Conflict(f"本办件的受理决定不是「{KINDS[self.kind][0][:-3]}」，不能出具该文书",
                           details={"kind": self.kind, "acceptance": data.get("acceptance")})
        return {"subject": f"acceptance-{data.get('acceptance')}",
                "missing_materials": data.get("missing_materials") or [],
                "supplement_due": data.get("supplement_due"), "refuse_reason": data.get("refuse_reason")}
