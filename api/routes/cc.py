"""抄送我的: read-only copies of cases sent to the caller."""
from flask import g
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, AUDITOR, CLERK, engine
from ..schemas import CcArgs, CcItemSchema, CcListSchema, ErrorSchema

blp = Blueprint("cc", __name__, url_prefix="/api/v1/cc", description="抄送我的")


@blp.route("", methods=["GET"])
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.arguments(CcArgs, location="query")
@blp.response(200, CcListSchema)
def list_cc(args):
    """抄送给我的办件（新的在前）；read 表示已读"""
    page, per_page = args["page"], args["per_page"]
    rows, total = engine().tasks.cc_for(g.actor, per_page, (page - 1) * per_page, unread=args["unread"])
    _, unread = engine().tasks.cc_for(g.actor, 1, 0, unread=True)
    return {"items": rows, "total": total, "page": page, "per_page": per_page, "unread": unread}


@blp.route("/<int(min=1, max=2147483647):cc_id>/read", methods=["POST"])
@auth.requires(ADMIN, CLERK, AUDITOR)
@blp.response(200, CcItemSchema)
@blp.alt_response(404, schema=ErrorSchema)
def mark_read(cc_id):
    """标记为已读"""
    return engine().tasks.mark_cc_read(cc_id, g.actor)
