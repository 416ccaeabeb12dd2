"""The e-licence library's reads, and its one write besides issuing (revocation)."""
import sqlalchemy as sa

from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import Case, CaseLicence, Licence

from .commands.revoke import RevokeLicence

MAX_PAGE = 100
# Who may look licences up: the applicant (their own), staff who check materials, auditors.
STAFF = ("admin", "auditor", "clerk", "supervisor", "integrator")


def is_valid(licence, now):
    return licence.status == "valid" and (licence.valid_until is None or licence.valid_until > now)


def valid_licences(session, holder, types, now):
    """The holder's valid licences of ``types``, newest first per type: ``{type: Licence}``."""
    if not holder or not types:
        return {}
    rows = session.scalars(sa.select(Licence).where(
        Licence.holder_id_number == holder, Licence.type.in_(sorted(types)), Licence.status == "valid",
        sa.or_(Licence.valid_until.is_(None), Licence.valid_until > now)).order_by(Licence.id.desc())).all()
    found = {}
    for row in rows:
        found.setdefault(row.type, row)
    return found


class LicenceService:
    def __init__(self, engine):
        self.engine = engine

    def list(self, actor, holder=None, type=None, status=None, page=1, per_page=50):
        own = getattr(actor, "id_number", None)
        if actor.role == "applicant":
            if not own:
                raise Forbidden("申请人账户没有登记证件号码，无法查询证照")
            if holder and holder.strip().upper() != own.upper():
                raise Forbidden("申请人只能查询本人的电子证照", details={"holder": "只能是本人"})
            holder = own
        elif actor.role not in STAFF:
            raise Forbidden(f"角色 {actor.role} 无权查询电子证照", details={"role": actor.role})
        q = sa.select(Licence)
        if holder:
            q = q.where(Licence.holder_id_number == holder.strip().upper())
        if actor.role == "integrator":
            # An integrator acts for the applicants whose cases it brought in, no one else.
            q = q.where(Licence.holder_id_number.in_(
                sa.select(Case.applicant_id_number).where(Case.started_by == actor.name)))
        if type:
            q = q.where(Licence.type == type)
        if status:
            if status not in ("valid", "revoked"):
                raise InvalidInput("状态应为 valid 或 revoked", details={"status": status})
            q = q.where(Licence.status == status)
        per_page = max(1, min(per_page, MAX_PAGE))
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            rows = session.scalars(q.order_by(Licence.id.desc()).offset((max(page, 1) - 1) * per_page)
                                   .limit(per_page)).all()
        return {"items": rows, "total": total, "page": page, "per_page": per_page}

    def get(self, licence_id):
        with self.engine.db.read() as session:
            licence = session.get(Licence, licence_id)
        if licence is None:
            raise NotFound("电子证照不存在", details={"licence_id": licence_id})
        return licence

    def of_case(self, case_id):
        """What a case issued and which of its materials came from licences."""
        with self.engine.db.read() as session:
            issued = session.scalars(sa.select(Licence).where(Licence.case_id == case_id)
                                     .order_by(Licence.id)).all()
            reused = session.execute(sa.select(CaseLicence, Licence).join(Licence, CaseLicence.licence_id == Licence.id)
                                     .where(CaseLicence.case_id == case_id).order_by(CaseLicence.id)).all()
        return {"issued": issued,
                "reused": [{"material": link.material, "licence": licence} for link, licence in reused]}

    def revoke(self, licence_id, reason, actor):
        return self.engine.execute(RevokeLicence(licence_id, reason, actor))
