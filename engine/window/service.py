"""Front window service (engine.window): reads for the window's pages and notices."""
import sqlalchemy as sa

from engine import spiff
from engine.models import Case, CaseLicence, Licence

from . import intake, labels, notices, rules, waiting
from .notices import IssueNotice


class WindowService:
    def __init__(self, engine):
        self.engine = engine
        self._wait_tables = {}  # definition id -> waiting.wait_table(…)

    def waiting(self, case):
        """What ``case`` (one the caller may see) waits for now: read from the stored state,
        or, where that cannot tell, from the restored workflow."""
        if case.status != "running":
            return []
        with self.engine.db.read() as session:
            state, version = session.execute(sa.select(Case.state, Case.serializer_version)
                                             .where(Case.id == case.id)).one()
            items = None
            if version == spiff.serializer.VERSION:
                items = waiting.from_state(state, self._wait_table(session, case.definition_id))
            if items is None:
                return self.waiting_restored(case)
        return items

    def waiting_restored(self, case):
        """``waiting`` from the restored workflow (what the stored-state reading must equal)."""
        if case.status != "running":
            return []
        from engine.runtime.executor import load_workflow

        with self.engine.db.read() as session:
            row = session.scalars(sa.select(Case).where(Case.id == case.id)
                                  .options(sa.orm.undefer(Case.state))).first()
            wf = load_workflow(self.engine, session, row)
        return [{k: w[k] for k in ("element_id", "name", "kind", "message", "due_at", "lane", "form")}
                for w in waiting.waiting(wf)]

    def _wait_table(self, session, definition_id):
        """Which specs of a version may wait, built once per engine (a version never changes)."""
        table = self._wait_tables.get(definition_id)
        if table is None:
            table = self._wait_tables[definition_id] = waiting.wait_table(
                *self.engine.repository.specs(session, definition_id))
        return table

    def matters_for(self, actor):
        """Process keys of the latest versions ``actor`` may take in at the window (收件)."""
        keys = []
        with self.engine.db.read() as session:
            for definition in self.engine.repository._latest_all(session, "bpmn"):
                spec, _ = self.engine.repository.specs(session, definition.id)
                if actor.is_admin or intake.may_take_in(actor, spec):
                    keys.append(definition.key)
        return keys

    def task_role(self, row):
        """What the front window adds to a task's page: its role and the matter's materials."""
        with self.engine.db.read() as session:
            case = session.get(Case, row.case_id)
            role = rules.role_of(self.engine, session, case.definition_id, row.element_id)
            materials = rules.materials_of(session, case.process_key) if role == rules.ACCEPTANCE else []
            licences = {} if not materials else dict(session.execute(
                sa.select(CaseLicence.material, Licence.number).join(Licence, CaseLicence.licence_id == Licence.id)
                .where(CaseLicence.case_id == case.id, Licence.status == "valid")).all())
        return {"role": role, "materials": materials, "intake": (case.data or {}).get("intake_materials") or {},
                "licences": licences, "methods": rules.METHODS if role == rules.DELIVERY else {}}

    def forms(self, definition_id):
        """{form key: form-js schema} of every deployed form the process version names."""
        from engine.errors import NotFound
        from engine.runtime.step import form_key_of

        with self.engine.db.read() as session:
            spec, subprocess_specs = self.engine.repository.specs(session, definition_id)
            specs = list(spec.task_specs.values()) + [s for sub in subprocess_specs.values()
                                                       for s in sub.task_specs.values()]
            out = {}
            for key in sorted({form_key_of(s) for s in specs} - {None}):
                try:
                    out[key] = self.engine.repository.form(session, key)[0].schema
                except NotFound:  # a form not deployed: its keys fall back to themselves
                    continue
        return out

    def labels(self, definition_id):
        """{key: {label, options}} of every form the process version uses."""
        return labels.of_forms(self.forms(definition_id).values())

    def notices(self, case_id):
        with self.engine.db.read() as session:  # plain rows: a case page reads them each time
            return [notices.body(e) for e in session.execute(notices.ISSUED, {"case_id": case_id})]

    def issue_notice(self, case_id, kind, actor):
        return self.engine.execute(IssueNotice(case_id, kind, actor))

    @staticmethod
    def delivery_text(case):
        return rules.delivery_text((case.data or {}).get("delivery"))

