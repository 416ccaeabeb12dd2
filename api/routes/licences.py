"""The e-licence library (电子证照库): look-ups, revocation, and what a case issued or reused."""
from flask import g
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, ANYONE, EVERYONE, engine
from ..schemas import CaseLicencesSchema, ErrorSchema, LicenceArgs, LicenceListSchema, LicenceSchema, RevokeSchema

blp = Blueprint("licences", __name__, url_prefix="/api/v1", description="电子证照库")


@blp.route("/licences", methods=["GET"])
@auth.requires(*ANYONE)
@blp.arguments(LicenceArgs, location="query")
@blp.response(200, LicenceListSchema)
def list_licences(args):
    """电子证照：按持证人证件号、类型、状态查询（申请人只能查本人的）"""
    return engine().licences.list(g.actor, holder=args.get("holder"), type=args.get("type"),
                                  status=args.get("status"), page=args["page"], per_page=args["per_page"])


@blp.route("/licences/<int(min=1, max=2147483647):licence_id>/revoke", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(RevokeSchema)
@blp.response(200, LicenceSchema)
@blp.alt_response(404, schema=ErrorSchema)
def revoke(body, licence_id):
    """撤销电子证照（须说明理由；记入签发办件的留痕）"""
    return engine().licences.revoke(licence_id, body["reason"], g.actor)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/licences", methods=["GET"])
@auth.requires(*EVERYONE)
@blp.response(200, CaseLicencesSchema)
@blp.alt_response(404, schema=ErrorSchema)
def case_licences(case_id):
    """办件签发的电子证照，以及启动时由电子证照自动提供的材料"""
    engine().runtime.get(case_id, g.actor)  # only who may see the case
    return engine().licences.of_case(case_id)
