"""提交申请: one matter, or every matter of an 一件事 theme from its one form, started in
one unit of work and linked as one application. Material files uploaded beforehand
become the cases' attachments; materials signed 告知承诺 are recorded on each case."""
import sqlalchemy as sa

from engine.commands import Command
from engine.errors import InvalidInput
from engine.models import Application, ApplicationDraft, utcnow
from engine.repository.forms import validate_free_data
from engine.runtime.commands.start_case import ONLINE, WINDOW, StartCase

from ..credit import CreditRestricted, listing
from ..service_rules import applicant_for, commitment_materials, material_names, matters_of
from ..uploads import attach, take


class SubmitApplication(Command):
    def __init__(self, actor, target, applicant, data, uploads=(), commitments=()):
        self.actor, self.target, self.given, self.data = actor, target, applicant, data
        self.uploads, self.commitments = uploads or [], commitments or []
        self.thrown, self.more_thrown = None, []

    def execute(self, ctx):
        engine, session = ctx.engine, ctx.session
        applicant = applicant_for(session, self.actor, self.given)
        matters, theme = matters_of(session, self.target)
        data = self._data(engine, session, theme)
        commitments = self._commitments(session, matters, applicant)
        uploads = take(session, self.actor.name, self.uploads)
        application = Application(theme_key=theme.key if theme else None,
                                  process_key=None if theme else matters[0][0],
                                  applicant_kind=applicant["kind"], applicant_id_number=applicant["id_number"],
                                  applicant_name=applicant["name"], submitted_by=self.actor.name,
                                  channel=WINDOW if self.actor.role in ("clerk", "admin") else ONLINE,
                                  commitments=commitments or None, created_at=utcnow())
        session.add(application)
        session.flush()
        cases = []
        for process, pairs in matters:
            part = data if pairs is None else {target: data[source] for source, target in pairs if source in data}
            start = StartCase(process, applicant, part, self.actor)
            offered = commitment_materials(session, process)
            start.commitments = [c for c in commitments if c in offered]
            try:
                case = start.execute(ctx)
            except InvalidInput as exc:  # say which matter of the theme refused its part
                if theme is not None:
                    exc.details = {"matter": process, **(exc.details or {})}
                raise
            case.application_id = application.id
            if start.thrown:
                self.more_thrown.append(start.thrown)
            cases.append(case)
        self._attach(session, cases, uploads)
        if self.actor.role == "applicant":
            draft = session.scalar(sa.select(ApplicationDraft).where(
                ApplicationDraft.owner == self.actor.name, ApplicationDraft.target == self.target))
            if draft is not None:
                session.delete(draft)
        session.flush()
        return application, cases

    def _data(self, engine, session, theme):
        if theme is None:
            return self.data if isinstance(self.data, dict) else validate_free_data(self.data)
        if theme.body.get("form"):
            form, _ = engine.repository.form(session, theme.body["form"])
            return form.validate(self.data)
        return validate_free_data(self.data)

    def _commitments(self, session, matters, applicant):
        if not isinstance(self.commitments, list) or not all(isinstance(c, str) for c in self.commitments):
            raise InvalidInput("告知承诺应为材料名称列表", details={"commitments": "应为文本列表"})
        wanted = list(dict.fromkeys(self.commitments))
        offered = {name for process, _ in matters for name in commitment_materials(session, process)}
        unknown = [c for c in wanted if c not in offered]
        if unknown:
            raise InvalidInput("这些材料不能以告知承诺代替", code="commitment_not_offered",
                               details={"commitments": "、".join(unknown)})
        if wanted and listing(session, applicant["id_number"]):
            raise CreditRestricted(applicant["id_number"], self.actor.name,
                                   ",".join(p for p, _ in matters)[:200], what="告知承诺")
        return wanted

    @staticmethod
    def _attach(session, cases, uploads):
        """Each file goes to the cases whose catalogue lists its material (else to all of them)."""
        for upload in uploads:
            named = [c for c in cases if upload.material in material_names(session, c.process_key)]
            attach(session, upload, named or cases)
