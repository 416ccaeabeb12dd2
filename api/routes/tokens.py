"""API tokens: list, create and revoke bearer tokens over the API (the CLI does the same)."""
from flask import g
from flask_smorest import Blueprint

from engine.errors import Forbidden

from .. import auth
from ..auth import ADMIN, engine
from ..schemas import ErrorSchema, NewTokenSchema, TokenArgs, TokenCreateSchema, TokenListSchema

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens",
                description="API 令牌：只保存哈希；创建时明文只返回一次；可过期、可吊销")


def _owner(requested):
    """Whose tokens: one's own; an admin may name anybody."""
    if requested and requested != g.actor.name:
        if g.actor.role != ADMIN:
            raise Forbidden("只能管理自己的令牌", details={"user": requested})
        return requested
    return g.actor.name


@blp.route("", methods=["GET"])
@auth.requires(*auth.EVERYONE)
@blp.arguments(TokenArgs, location="query")
@blp.response(200, TokenListSchema)
def list_tokens(args):
    """我的令牌（管理员可用 user 参数查看他人的）"""
    return {"items": engine().users.tokens(_owner(args.get("user")))}


@blp.route("", methods=["POST"])
@auth.requires(*auth.EVERYONE)
@blp.arguments(TokenCreateSchema)
@blp.response(201, NewTokenSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
def create_token(body):
    """创建令牌；返回的 token 明文只出现这一次"""
    token, row = engine().users.create_token(_owner(body.get("user")), body["days"])
    return {"id": row.id, "token": token, "created_at": row.created_at, "expires_at": row.expires_at}


@blp.route("/<int(min=1, max=2147483647):token_id>", methods=["DELETE"])
@auth.requires(*auth.EVERYONE)
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def revoke_token(token_id):
    """吊销令牌（自己的；管理员可吊销任何人的）"""
    engine().users.revoke_token_id(token_id, None if g.actor.role == ADMIN else g.actor.name)
    return ""
