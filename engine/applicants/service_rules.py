"""What the applicant commands and queries share: targets ("process:k" / "theme:k"), the
matters behind one, and who applies."""
import json

import sqlalchemy as sa

from engine.errors import Forbidden, InvalidInput, NotFound
from engine.identity.numbers import check_id_number, normalize_applicant
from engine.models import Definition, Matter, Theme, User

from .themes import fields_of


def json_size(value):
    return len(json.dumps(value, ensure_ascii=False).encode())


def split_target(target):
    kind, _, key = (target or "").partition(":")
    if kind not in ("process", "theme") or not key or len(key) > 200:
        raise InvalidInput("申请对象应为 process:事项 或 theme:主题", details={"target": target})
    return kind, key


def check_target(session, target):
    kind, key = split_target(target)
    if kind == "theme":
        if session.get(Theme, key) is None:
            raise NotFound("没有这个一件事主题", details={"theme": key})
    elif session.get(Matter, key) is None or session.scalar(
            sa.select(Definition.id).where(Definition.kind == "bpmn", Definition.key == key).limit(1)) is None:
        raise NotFound("没有这个事项", details={"process": key})
    return kind, key


def matters_of(session, target):
    """[(process key, [(field, matter field)] or None = all fields)] behind a target, and the theme row."""
    kind, key = check_target(session, target)
    if kind == "process":
        return [(key, None)], None
    theme = session.get(Theme, key)
    return [(m["process"], fields_of(m.get("fields", []))) for m in theme.body["matters"]], theme


def applicant_for(session, actor, given):
    """The applicant of an application: an applicant applies for themselves only."""
    if actor.role != "applicant":
        if not isinstance(given, dict):
            raise InvalidInput("申请人信息必须是对象", details={"applicant": "应为 {kind, id_number, name}"})
        return normalize_applicant(given.get("kind"), given.get("id_number"), given.get("name"))
    user = session.scalar(sa.select(User).where(User.name == actor.name))
    mine = {"kind": "person" if check_id_number(user.id_number) is None else "org",
            "id_number": user.id_number, "name": user.display_name}
    if isinstance(given, dict) and given.get("id_number") and \
            str(given["id_number"]).strip().upper() != user.id_number:
        raise Forbidden("只能以本人身份申请", code="not_yourself", details={"applicant": "与登录的申请人不一致"})
    return mine


def commitment_materials(session, process_key):
    matter = session.get(Matter, process_key)
    materials = (matter.guide or {}).get("materials") if matter else None
    return [m["name"] for m in materials or [] if isinstance(m, dict) and m.get("commitment") is True
            and isinstance(m.get("name"), str)]


def material_names(session, process_key):
    matter = session.get(Matter, process_key)
    materials = (matter.guide or {}).get("materials") if matter else None
    return [m["name"] for m in materials or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
