"""Applicant service: registration, themes, the application form of a matter or theme,
drafts, uploads, submitting, and the credit blacklist. Writes are commands; reads are here."""
import sqlalchemy as sa

from engine.models import (Application, ApplicationDraft, ApplicationUpload, Case, CreditAudit, CreditBlacklist,
                           Matter, Theme)
from engine.errors import NotFound
from engine.runtime.commands.deliver_message import deliver_thrown

from . import themes
from .commands import (AddUpload, DeleteDraft, LiftListing, PurgeStaleUploads, RegisterApplicant, SaveDraft,
                       SubmitApplication)
from .credit import listing
from .service_rules import matters_of, split_target
from .themes import start_form_key
from engine.licences.service import valid_licences

UPLOAD_DAYS = 30  # an unsent upload no draft names is kept this long


class ApplicantService:
    def __init__(self, engine):
        self.engine = engine

    # ---- writes ---------------------------------------------------------------

    def register(self, fields):
        return self.engine.execute(RegisterApplicant(fields))

    def deploy_themes(self, files):
        """``[(filename, text)]``, checked against what is deployed; all or none."""
        return themes.deploy(self.engine, files)

    def deploy_theme_paths(self, paths):
        return themes.deploy_paths(self.engine, paths)

    def purge_stale_uploads(self, days=UPLOAD_DAYS):
        """Housekeeping (a worker chore): unsent uploads no draft names, ``days`` old. How many went."""
        command = PurgeStaleUploads(days)
        count = self.engine.execute(command)
        store = self.engine.attachments.store()
        for key in command.unreferenced:
            store.discard(key, older_than=command.cutoff)
        return count

    def upload(self, actor, material, name, stream):
        return self.engine.execute(AddUpload(actor, material, name, stream))

    def save_draft(self, actor, target, data, uploads=(), commitments=()):
        return self.engine.execute(SaveDraft(actor, target, data, uploads, commitments))

    def delete_draft(self, actor, target):
        return self.engine.execute(DeleteDraft(actor, target))

    def submit(self, actor, target, applicant, data, uploads=(), commitments=(), within=None):
        """Starts every case of the application in one unit of work; returns (application, cases)."""
        command = SubmitApplication(actor, target, applicant, data, uploads, commitments)
        # ``within`` (an idempotency key) is bound to the first case: its application names the rest.
        first = (lambda session, result: within(session, result[1][0])) if within else None
        result = self.engine.execute(command, within=first)
        for thrown in command.more_thrown:  # committed: messages the new cases threw
            deliver_thrown(self.engine, *thrown)
        return result

    def lift(self, actor, id_number, reason):
        return self.engine.execute(LiftListing(actor, id_number, reason))

    # ---- reads ------------------------------------------------------------------

    def themes(self):
        with self.engine.db.read() as session:
            rows = session.scalars(sa.select(Theme).order_by(Theme.key)).all()
            names = dict(session.execute(sa.select(Matter.process_key, Matter.name)).all())
            return [{"key": t.key, "name": t.name, "description": t.body.get("description", ""),
                     "matters": [{"process": m["process"], "name": names.get(m["process"], m["process"])}
                                 for m in t.body["matters"]]} for t in rows]

    def form_for(self, target, holder=None):
        """What the online application page renders: the form, the matters and their materials;
        for ``holder`` (an applicant's number) the materials their valid e-licences replace name
        the licence, and the page does not ask for them (一证申办)."""
        with self.engine.db.read() as session:
            matters, theme = matters_of(session, target)
            if theme is not None:
                form_key = theme.body.get("form")
            else:
                form_key = start_form_key(self.engine, session, matters[0][0])
            schema = self.engine.repository.form(session, form_key)[0].schema if form_key else None
            rows = {m.process_key: m for m in session.scalars(
                sa.select(Matter).where(Matter.process_key.in_([p for p, _ in matters])))}
            out_matters, materials = [], []
            for process, _ in matters:
                matter = rows[process]
                out_matters.append({"process": process, "name": matter.name, "department": matter.department})
                for m in (matter.guide or {}).get("materials") or []:
                    if isinstance(m, dict) and isinstance(m.get("name"), str):
                        materials.append({"matter": matter.name, "process": process, "name": m["name"],
                                          "category": m.get("category"), "tolerable": m.get("tolerable") is True,
                                          "commitment": m.get("commitment") is True, "source": m.get("source"),
                                          "copies": m.get("copies"), "licence_type": m.get("licence_type")})
            held = valid_licences(session, holder, {m["licence_type"] for m in materials if m["licence_type"]},
                                  self.engine.clock.now())
            for m in materials:
                licence = held.get(m["licence_type"])
                m["licence"] = {"type": licence.type, "name": licence.name, "number": licence.number} \
                    if licence is not None else None
            kind, key = split_target(target)
            return {"target": target, "kind": kind, "key": key,
                    "name": theme.name if theme else out_matters[0]["name"],
                    "description": (theme.body.get("description", "") if theme else ""),
                    "form": schema, "matters": out_matters, "materials": materials}

    def draft(self, actor, target):
        with self.engine.db.read() as session:
            row = session.scalar(sa.select(ApplicationDraft).where(
                ApplicationDraft.owner == actor.name, ApplicationDraft.target == target))
            if row is None:
                raise NotFound("没有草稿", details={"target": target})
            files = session.scalars(sa.select(ApplicationUpload).where(
                ApplicationUpload.id.in_(row.uploads or [-1]), ApplicationUpload.owner == actor.name)).all()
            return row, files

    def application(self, application_id, actor):
        """One application and those of its cases ``actor`` may see; none visible → NotFound."""
        cases = self.engine.runtime.query(actor)._where(Case.application_id == application_id).page(1, 100)[0]
        with self.engine.db.read() as session:
            row = session.get(Application, application_id)
        if row is None or not cases:
            raise NotFound("申请不存在", details={"application_id": application_id})
        return row, sorted(cases, key=lambda c: c.id)

    def siblings(self, case):
        """The cases started together with ``case`` (one 一件事 application), itself included."""
        if case.application_id is None:
            return None
        with self.engine.db.read() as session:
            row = session.get(Application, case.application_id)
            cases = session.scalars(sa.select(Case).where(Case.application_id == case.application_id)
                                    .order_by(Case.id)).all()
            names = dict(session.execute(sa.select(Matter.process_key, Matter.name)).all())
            theme = session.get(Theme, row.theme_key) if row and row.theme_key else None
        return {"id": case.application_id, "theme": row.theme_key if row else None,
                "theme_name": theme.name if theme else None,
                "commitments": (row.commitments or []) if row else [],
                "cases": [{"id": c.id, "number": c.number, "process": c.process_key,
                           "matter": names.get(c.process_key, c.process_key), "status": c.status} for c in cases]}

    def listing(self, id_number):
        with self.engine.db.read() as session:
            return listing(session, (id_number or "").strip().upper())

    def blacklist(self, include_lifted=False):
        with self.engine.db.read() as session:
            q = sa.select(CreditBlacklist).order_by(CreditBlacklist.id.desc())
            if not include_lifted:
                q = q.where(CreditBlacklist.lifted_at.is_(None))
            return session.scalars(q.limit(500)).all()

    def credit_audit(self, id_number=None, limit=200):
        with self.engine.db.read() as session:
            q = sa.select(CreditAudit).order_by(CreditAudit.id.desc()).limit(limit)
            if id_number:
                q = q.where(CreditAudit.id_number == id_number.strip().upper())
            return session.scalars(q).all()
