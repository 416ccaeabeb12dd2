"""Start a case (办件) of a matter for an applicant."""
from types import SimpleNamespace

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from engine import generation, history, spiff
from engine.commands import Command
from engine.errors import InvalidInput
from engine.identity.numbers import normalize_applicant
from engine.licences.reuse import attach_held_licences
from engine.models import Case, Matter
from engine.repository.forms import validate_free_data
from engine.runtime.step import RUNNING, Step, form_key_of
from engine.tasks import rules
from engine.window import intake

RESERVED_KEYS = {"case_number", "applicant", "commitments", "intake_materials"}
# Where an application came in: integrators bring the online entry's (一网通办), people the window's.
ONLINE, WINDOW = "online", "window"


class StartCase(Command):
    # Materials the applicant signed 告知承诺 for (engine.applicants sets them, after checking).
    commitments = ()

    def __init__(self, process_key, applicant, data, actor, materials=None):
        if not isinstance(applicant, dict):
            raise InvalidInput("申请人信息必须是对象", details={"applicant": "应为 {kind, id_number, name}"})
        self.applicant = normalize_applicant(applicant.get("kind"), applicant.get("id_number"), applicant.get("name"))
        self.process_key, self.data, self.actor = process_key, data or {}, actor
        self.materials = materials  # 收件: {material name: original|upload|copy}

    def execute(self, ctx):
        engine, session = ctx.engine, ctx.session
        definition_id, version = newest_version(engine, session, self.process_key)
        spec, subprocess_specs = engine.repository.specs(session, definition_id)
        if self.actor.role == "clerk":
            intake.check_clerk(self.actor, spec, self.process_key)
        data = self._validate_start_data(engine, session, spec)
        received = intake.check_materials(session, self.process_key, self.materials)
        if received is not None:
            data["intake_materials"] = received
        matter = catalogue_entry(session, self.process_key)
        applicant = self.applicant
        case = Case(definition_id=definition_id, process_key=self.process_key, status=RUNNING,
                    applicant_kind=applicant["kind"], applicant_id_number=applicant["id_number"],
                    applicant_name=applicant["name"], data={}, state={}, started_by=self.actor.name,
                    channel=ONLINE if self.actor.role in ("integrator", "applicant") else WINDOW,
                    serializer_version=spiff.serializer.VERSION)
        session.add(case)
        session.flush()
        rules.new_case(session, case.id)  # no inbox rows or 补正告知 to read back
        prefix = matter.implementation_code if matter and matter.implementation_code else "TB"
        case.number = f"{prefix}{case.created_at:%Y%m%d}{case.id:06d}"
        wf = spiff.new_workflow(spec, subprocess_specs)
        start_data = {**data, "case_number": case.number, "applicant": applicant}
        if self.commitments or commitment_offered(matter):  # a verification step drawn may read it
            start_data["commitments"] = list(self.commitments)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(start_data)
        with session.no_autoflush:
            step = Step(engine, session, case, wf, self.actor)
            started = {"process": self.process_key, "version": version, "applicant": applicant, "data": data}
            if "commitments" in start_data:  # replay feeds them back in
                started["commitments"] = start_data["commitments"]
            step.event(history.CASE_STARTED, data=started)
            if self.commitments:
                step.event(history.COMMITMENT_SIGNED, data={"materials": list(self.commitments)})
            attach_held_licences(step, matter)  # materials an e-licence replaces are not asked for (#10a)
            step.advance()
            step.finish()
            self.next_tasks = rules.workable_next(session, case.id, self.actor)  # what the starter may work now
        self.thrown = step.thrown()
        return case

    def _validate_start_data(self, engine, session, spec):
        """Start data passes the start event's form (formKey), or the free-data rules."""
        form_keys = {form_key_of(s) for s in spec.task_specs.values() if isinstance(s, StartEvent)} - {None}
        if form_keys:
            form, _ = engine.repository.form(session, sorted(form_keys)[0])
            data = form.validate(self.data)
        else:
            data = validate_free_data(self.data)
        reserved = RESERVED_KEYS & set(data)
        if reserved:
            raise InvalidInput("申请数据不能使用保留字段", details={k: "保留字段" for k in reserved})
        return data


def newest_version(engine, session, key):
    """(id, version) of the newest BPMN version of ``key``, cached until the next deploy."""
    def look_up():
        definition = engine.repository.latest(session, "bpmn", key)
        return definition.id, definition.version
    return generation.cached(session, generation.CONFIGURATION, ("newest bpmn", key), look_up)


def catalogue_entry(session, key):
    """What a start reads of the matter's catalogue entry (None without one), cached until it changes."""
    def look_up():
        matter = session.get(Matter, key)
        if matter is None:
            return None
        return SimpleNamespace(implementation_code=matter.implementation_code, guide=matter.guide)
    return generation.cached(session, generation.CONFIGURATION, ("catalogue entry", key), look_up)


def commitment_offered(matter):
    """Does the catalogue let some material of ``matter`` be replaced by a signed 告知承诺?"""
    materials = (matter.guide or {}).get("materials") if matter is not None else None
    return any(isinstance(m, dict) and m.get("commitment") is True for m in materials or [])
