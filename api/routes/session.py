"""Browser sessions for the web UI (and a "who am I" for token callers)."""
from flask import g
from flask_smorest import Blueprint

from engine.errors import InvalidInput
from engine.identity.users import actor_of

from .. import auth
from ..schemas import ErrorSchema, LoginSchema, PasswordChangeSchema, WhoSchema

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
@auth.requires(*auth.ANYONE)
@blp.response(200, WhoSchema)
@blp.alt_response(401, schema=ErrorSchema)
def who_am_i():
    """当前登录的用户（Cookie 或 Bearer 令牌）"""
    return auth.who(g.actor, g.auth)


@blp.route("", methods=["DELETE"])
@auth.requires(*auth.ANYONE)
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
def log_out():
    """退出登录（浏览器会话；需带 X-CSRF-Token）"""
    if g.auth != "session":
        raise InvalidInput("令牌认证无需退出；吊销令牌请用 DELETE /api/v1/tokens/{id}", code="not_a_session")
    auth.log_out()
    return ""


@blp.route("/password", methods=["POST"])
@auth.requires(*auth.ANYONE)
@blp.arguments(PasswordChangeSchema)
@blp.response(200, WhoSchema)
@blp.alt_response(422, schema=ErrorSchema, description="原密码不正确，或新密码不符合要求（至少8位、不能是常见密码）")
def change_password(body):
    """修改本人密码（首次登录或重置后必须先修改）"""
    auth.engine().organisation.change_password(g.actor.name, body["old_password"], body["new_password"])
    return auth.who(actor_of(auth.engine().users.get(g.actor.name)), g.auth)
