"""The one unit-of-work runner every command goes through (see ``engine.commands``)."""
import sqlalchemy as sa

from engine import spiff
from engine.applicants.credit import CreditRestricted
from engine.commands import CaseCommand
from engine.errors import NotFound, RunawayStep, ScriptError
from engine.models import Case, Correction
from engine.tasks import rules

from .commands.deliver_message import deliver_thrown
from .step import CaseContext, Context, Step, claim_version


class CommandExecutor:
    def __init__(self, engine):
        self.engine = engine

    def execute(self, command, within=None):
        where = {}
        try:
            result = self._execute(command, where, within)
        except RunawayStep as exc:
            # The unit of work is rolled back; the incident lands in a transaction of its own.
            self.engine.management.record_incident(exc, command, **where)
            raise
        except CreditRestricted as exc:
            exc.record(self.engine)  # the refusal is audited although the unit of work was not kept
            raise
        # Committed: correlated messages the case threw go to the cases waiting for them.
        if getattr(command, "thrown", None):
            deliver_thrown(self.engine, *command.thrown)
        return result

    def _execute(self, command, where, within):
        engine = self.engine
        command.prepare(engine)
        # One instant per unit of work: its events, timers and scripts all read it (replay relies on it).
        with engine.clock.pinned(), engine.db.write() as session:
            result = self._run(command, session, where)
            if within is not None:
                within(session, result)
            return result

    def _run(self, command, session, where):
        engine = self.engine
        if not isinstance(command, CaseCommand):
            return command.execute(Context(engine, session, command.actor))
        case = lock_case(session, command.case_id(session), with_state=command.loads_workflow)
        where.update(case_id=case.id, process_key=case.process_key)
        if not command.loads_workflow:
            return command.execute(CaseContext(engine, session, case, command.actor))
        wf = load_workflow(engine, session, case)
        with session.no_autoflush:  # one flush at commit, not one per query
            step = Step(engine, session, case, wf, command.actor)
            result = command.execute(step)
            step.advance()
            step.finish()
            if getattr(command, "reports_next_tasks", False):  # complete: what the caller may do next
                command.next_tasks = rules.workable_next(session, case.id, command.actor)
        command.thrown = step.thrown()
        return result


def lock_case(session, case_id, with_state=True):
    """The case, marked changed (``claim_version``). Read with its state and its open 补正告知
    in one statement; without its state (a command that does not run the workflow) it may
    come from the session, where reading the command's task row put it."""
    if with_state:
        rows = session.execute(sa.select(Case, Correction).outerjoin(Correction, sa.and_(
            Correction.case_id == Case.id, Correction.answered_at.is_(None))).where(Case.id == case_id)
            .options(sa.orm.undefer(Case.state))).all()
        case = rows[0][0] if rows else None
        if case is not None:
            rules.corrections_read(session, case.id, [c for _, c in rows if c is not None])
    else:
        case = session.get(Case, case_id)
    if case is None:
        raise NotFound("办件不存在", details={"case_id": case_id})
    claim_version(session, case)
    return case


def load_workflow(engine, session, case):
    spec, subprocess_specs = engine.repository.specs(session, case.definition_id)
    try:
        return spiff.load_state(case.state, case.serializer_version, spec, subprocess_specs)
    except Exception as exc:
        raise ScriptError("办件状态无法恢复", details={"reason": str(exc)}) from exc
