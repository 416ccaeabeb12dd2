"""The credit blacklist (一处失信、处处受限).

A diagram marks, by ``spiffworkflow:property``:

- ``commitmentCheck = <field>`` on the user task that verifies a 告知承诺: completing it
  with ``<field>`` false lists the applicant;
- ``credit = restricted`` on the elements of a 容缺 or 告知承诺 path: a listed applicant's
  case may not enter them; the unit of work is refused (rolled back whole) with a clear
  message, and the refusal is recorded in a transaction of its own.

No Python names a matter: which step verifies and which path is restricted is drawn.
"""
import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine.errors import InvalidInput
from engine.models import CreditAudit, CreditBlacklist, utcnow

RESTRICTED_MESSAGE = "申请人已被列入失信名单（一处失信、处处受限），不能适用告知承诺或容缺受理"
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class CreditRestricted(InvalidInput):
    """A listed applicant asked for 告知承诺 or reached a 容缺 path; nothing was saved."""
    code = "credit_restricted"
    message = RESTRICTED_MESSAGE

    def __init__(self, id_number, actor=None, process_key=None, case_id=None, what="告知承诺或容缺受理"):
        super().__init__(RESTRICTED_MESSAGE, details={"restricted": what})
        self.audit = {"id_number": id_number, "actor": actor, "process_key": process_key, "case_id": case_id,
                      "message": f"拒绝{what}：{RESTRICTED_MESSAGE}"}

    def record(self, engine):
        """Called after the rollback: the refusal itself is kept."""
        with engine.db.write() as session:
            session.add(CreditAudit(action="refused", at=utcnow(), **self.audit))


def listing(session, id_number):
    """The open blacklist row of ``id_number``, or None."""
    return session.scalars(sa.select(CreditBlacklist).where(
        CreditBlacklist.id_number == id_number, CreditBlacklist.lifted_at.is_(None))
        .order_by(CreditBlacklist.id.desc())).first()


def add_listing(session, id_number, name, reason, actor, case_id=None, process_key=None):
    row = listing(session, id_number)
    if row is None:
        row = CreditBlacklist(id_number=id_number, name=name, reason=reason, case_id=case_id, listed_by=actor,
                              listed_at=utcnow())
        session.add(row)
    session.add(CreditAudit(action="listed", at=utcnow(), id_number=id_number, actor=actor,
                            process_key=process_key, case_id=case_id, message=reason))
    session.flush()
    return row


def check_step(step):
    """After a step moved the workflow: list on a false commitment, refuse a restricted path."""
    from engine import history
    from engine.runtime.step import all_tasks

    props = step.engine.repository.properties(step.session, step.case.definition_id)
    if not any("commitmentCheck" in p or p.get("credit") == "restricted" for p in props.values()):
        return
    case = step.case
    for task in all_tasks(step.wf):
        mark = props.get(task.task_spec.bpmn_id, {})
        fresh = step.before.get(task.id) != task.state
        field = mark.get("commitmentCheck")
        if field and fresh and task.state == TaskState.COMPLETED and task.data.get(field) is False:
            reason = f"{case.number} {task.task_spec.bpmn_name or task.task_spec.bpmn_id}：告知承诺内容不实"
            add_listing(step.session, case.applicant_id_number, case.applicant_name, reason, step.actor.name,
                        case.id, case.process_key)
            step.event(history.CREDIT_LISTED, element_id=task.task_spec.bpmn_id, data={"reason": reason})
    for task in all_tasks(step.wf):
        mark = props.get(task.task_spec.bpmn_id, {})
        was, live = step.before.get(task.id), ACTIVE | TaskState.COMPLETED
        entered = bool(task.state & live) and not (was is not None and was & live)
        if mark.get("credit") == "restricted" and entered and listing(step.session, case.applicant_id_number):
            raise CreditRestricted(case.applicant_id_number, step.actor.name, case.process_key, case.id,
                                   what=task.task_spec.bpmn_name or "容缺受理")
