"""好差评: the applicant (or the integrator for them) rates a finished case once; staff read the ratings."""
from flask import g
from flask_smorest import Blueprint

from .. import auth
from ..auth import APPLICANT, EVERYONE, INTEGRATOR, engine
from ..schemas import ErrorSchema, RatingArgs, RatingCreateSchema, RatingListSchema, RatingSchema

blp = Blueprint("ratings", __name__, url_prefix="/api/v1", description="好差评")


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/rating", methods=["POST"])
@auth.requires(APPLICANT, INTEGRATOR)
@blp.arguments(RatingCreateSchema)
@blp.response(201, RatingSchema)
@blp.alt_response(409, schema=ErrorSchema)
def rate(body, case_id):
    """评价一个已办结的办件（1–5 分，附评价内容；每个办件一次）"""
    return engine().ratings.rate(case_id, body["score"], body["comment"], g.actor)


@blp.route("/ratings", methods=["GET"])
@auth.requires(*EVERYONE)
@blp.arguments(RatingArgs, location="query")
@blp.response(200, RatingListSchema)
def list_ratings(args):
    """好差评列表，及按事项、按部门的汇总"""
    return engine().ratings.list(process=args.get("process"), department=args.get("department"),
                                 page=args["page"], per_page=args["per_page"])
