"""Browser sessions for the web UI (and a "who am I" for token callers)."""
from flask import g
from flask_smorest import Blueprint

from engine.errors import InvalidInput

from .. import auth
from ..schemas import ErrorSchema, LoginSchema, WhoSchema

blp = Blueprint("session", __name__, url_prefix="/api/v1/session",
                description="登录会话：浏览器用签名 Cookie + CSRF 令牌；程序用 Bearer 令牌")


@blp.route("", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, WhoSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=[])
def log_in(body):
    """登录：设置会话 Cookie，返回用户、角色、组和 CSRF 令牌"""
    return auth.log_in(body["name"], body["password"])


@blp.route("", methods=["GET"])
@auth.requires(*auth.EVERYONE)
@blp.response(200, WhoSchema)
@blp.alt_response(401, schema=ErrorSchema)
def who_am_i():
    """当前登录的用户（Cookie 或 Bearer 令牌）"""
    return auth.who(g.actor, g.auth)


@blp.route("", methods=["DELETE"])
@auth.requires(*auth.EVERYONE)
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
def log_out():
    """退出登录（浏览器会话；需带 X-CSRF-Token）"""
    if g.auth != "session":
        raise InvalidInput("令牌认证无需退出；吊销令牌请用 DELETE /api/v1/tokens/{id}", code="not_a_session")
    auth.log_out()
    return ""
