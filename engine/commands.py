"""Commands: one small class per operation, run by one unit-of-work runner
(``engine.runtime.executor``, after Camunda's ``CommandExecutor``).

Every write the engine offers is a small command class, readable alone; a
service method is one line, ``return self.engine.execute(ClaimTask(...))``.
The executor gives every command the same unit of work (DESIGN.md): open a
write transaction; for a case command lock the case by bumping its version
(the loser of a race gets Conflict before writing anything), load its workflow
if the command needs it, run the command, advance the workflow, record the
trail, sync inbox rows and jobs, save the state and commit. Either all of it
lands or none of it.
"""


class Command:
    """One operation in one unit of work: ``execute(ctx)`` returns its result."""
    actor = None

    def prepare(self, engine):
        """Read-only checks before the write transaction opens (keeps the lock short)."""

    def execute(self, ctx):
        raise NotImplementedError


class CaseCommand(Command):
    """An operation on one existing case.

    The executor locks the case and calls ``execute(ctx)`` with a :class:`Step`
    (the running workflow, advanced and saved afterwards) when
    ``loads_workflow``, else with a lighter :class:`CaseContext`.
    """
    loads_workflow = True

    def case_id(self, session):
        raise NotImplementedError
