"""进度查询: where a case is, for whoever knows both its number and the applicant's identity number.

The answer has exactly seven fields and nothing about the applicant or the clerks.
A wrong identity number is answered like an unknown case number (the caller learns
nothing about which numbers exist). The stage (受理/审查/决定/送达/办结) comes from the
open tasks: a ``stage`` property drawn on the task wins; otherwise its name says it
(受理…, …决定, 送达/出件…), and anything else is 审查.
"""
import hmac

import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import Case, HumanTask, Matter
from engine.tasks.rules import OPEN

STAGES = ("受理", "审查", "决定", "送达", "办结")
NAME_HINTS = (("送达", ("送达", "出件", "发证", "领证", "制证", "寄递")), ("决定", ("决定", "审批", "批准")),
              ("受理", ("受理", "收件", "补正", "补齐", "预审")))


def stage_of_task(name, drawn):
    if drawn in STAGES:
        return drawn
    for stage, words in NAME_HINTS:
        if any(w in (name or "") for w in words):
            return stage
    return "审查"


class Progress:
    def __init__(self, engine):
        self.engine = engine

    def __call__(self, number, id_number):
        unknown = NotFound("未找到该办件，请核对办件编号和证件号码", details={"number": number})
        if not isinstance(number, str) or not isinstance(id_number, str):
            raise unknown
        with self.engine.db.read() as session:
            case = session.scalars(sa.select(Case).where(Case.number == number.strip())).first()
            # Compared in constant time; a mismatch looks exactly like an unknown number.
            if case is None or not hmac.compare_digest(case.applicant_id_number.encode(),
                                                       id_number.strip().upper().encode()):
                raise unknown
            matter = session.get(Matter, case.process_key)
            tasks = session.scalars(sa.select(HumanTask).where(HumanTask.case_id == case.id,
                                                               HumanTask.state.in_(OPEN))).all()
            properties = self.engine.repository.properties(session, case.definition_id) if tasks else {}
        if case.status != "running":
            stage = "办结"
        elif tasks:
            stage = max((stage_of_task(t.name, properties.get(t.element_id, {}).get("stage")) for t in tasks),
                        key=STAGES.index)
        else:
            stage = "审查" if case.clock_started_at else "受理"
        return {"number": case.number, "matter": matter.name if matter else case.process_key, "stage": stage,
                "status": case.status, "received_at": case.created_at,
                "deadline": case.promised_due_at or case.legal_due_at,
                "result": case.outcome if case.status != "running" else None}
