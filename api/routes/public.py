"""Public service without a login: the progress query (进度查询)."""
from flask_smorest import Blueprint

from engine.errors import NotFound

from .. import auth
from ..auth import engine
from ..schemas import ErrorSchema, ProgressArgs, ProgressSchema

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="公开服务（无需登录）")


@blp.route("/progress", methods=["GET"])
@blp.arguments(ProgressArgs, location="query")
@blp.response(200, ProgressSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
def progress(args):
    """办件进度查询：办件编号 + 申请人证件号码（公开，限流；证件号不符与编号不存在的回答相同）"""
    auth.limit(f"progress:{auth.client_address()}", "TONGBAN_ANON_RATE_LIMIT")
    # Guessing the identity number of one known case number is slowed down per number as well,
    # like password guesses against one account.
    return auth.counting_failures([f"progress-number:{args['number'][:64]}"],
                                  lambda: engine().public.progress(args["number"], args["id_number"]), NotFound)
