"""The organisation as administrators manage it: people, departments, groups;
and the people of a group for the 转办/委派 pickers."""
from flask import g
from flask_smorest import Blueprint

from engine.errors import Forbidden

from .. import auth
from ..auth import ADMIN, ANALYST, AUDITOR, CLERK, engine
from ..schemas import (DepartmentCreateSchema, DepartmentListSchema, DepartmentSchema, DepartmentUpdateSchema,
                       ErrorSchema, GroupCreateSchema, GroupListSchema, GroupSchema, GroupUpdateSchema, ImportArgs,
                       ImportReportSchema, ImportSchema, MemberListSchema, PasswordResetSchema, SessionListSchema,
                       SessionsEndedSchema, StaffingSchema, UserArgs, UserCreatedSchema, UserCreateSchema,
                       UserListSchema, UserSchema, UserUpdatedSchema, UserUpdateSchema)

blp = Blueprint("organisation", __name__, url_prefix="/api/v1",
                description="组织机构：人员、部门（树）、办理组（泳道按组名匹配）")

LOGIN = "<string(maxlength=100):name>"
GROUP = "<string(maxlength=200):group>"


def org():
    return engine().organisation


# ---- people ---------------------------------------------------------------------------

@blp.route("/users", methods=["GET"])
@auth.requires(ADMIN)
@blp.arguments(UserArgs, location="query")
@blp.response(200, UserListSchema)
def list_users(args):
    """人员列表：按登录名、姓名、电话、职务搜索；可按部门（含下级）、办理组、角色、状态筛选"""
    page, per_page = args["page"], args["per_page"]
    rows, total = org().people(search=args.get("q"), department=args.get("department"), group=args.get("group"),
                               role=args.get("role"), active=args.get("active"),
                               limit=per_page, offset=(page - 1) * per_page)
    return {"items": rows, "total": total, "page": page, "per_page": per_page}


@blp.route("/users", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
@blp.alt_response(409, schema=ErrorSchema, description="登录名已存在")
@blp.alt_response(422, schema=ErrorSchema)
def create_user(body):
    """新建人员；不给密码则生成一个（只在此响应中出现一次，首次登录须修改）"""
    user, generated = org().create_person(body, g.actor)
    user.password = generated  # shown this once, never stored
    return user


@blp.route("/users/import", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(ImportArgs, location="query")
@blp.arguments(ImportSchema)
@blp.response(200, ImportReportSchema, description="试导入（dry_run=1）：逐行列出问题，不写入")
@blp.alt_response(201, schema=ImportReportSchema, description="已导入；生成的密码只出现这一次")
@blp.alt_response(422, schema=ErrorSchema, description="有问题行：全部未导入，details.problems 逐行列出")
def import_users(args, body):
    """从 CSV 批量导入人员；先用 dry_run=1 检查，无问题后 dry_run=0 导入（全部或全不）"""
    report = org().import_people(body["csv"], dry_run=args["dry_run"], actor=g.actor)
    return report, 200 if report["dry_run"] else 201


@blp.route(f"/users/{LOGIN}", methods=["GET"])
@auth.requires(ADMIN)
@blp.response(200, UserSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_user(name):
    """一个人员"""
    return org().person(name)


@blp.route(f"/users/{LOGIN}", methods=["PATCH"])
@auth.requires(ADMIN)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserUpdatedSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="其签收任务所在办件正被他人修改，请重试")
@blp.alt_response(422, schema=ErrorSchema)
def update_user(body, name):
    """修改人员：姓名、角色、调动部门、办理组、职务、电话；active=false 停用（已签收的待办退回所在组，留痕）"""
    user = org().update_person(name, body, g.actor)
    user.released_tasks = getattr(user, "released", [])
    return user


@blp.route(f"/users/{LOGIN}/password", methods=["POST"])
@auth.requires(ADMIN)
@blp.response(200, PasswordResetSchema)
@blp.alt_response(404, schema=ErrorSchema)
def reset_password(name):
    """重置密码：生成新密码（只返回这一次），其会话全部结束，下次登录须修改"""
    return {"password": org().reset_password(name, g.actor)}


@blp.route(f"/users/{LOGIN}/sessions", methods=["GET"])
@auth.requires(ADMIN)
@blp.response(200, SessionListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_sessions(name):
    """人员的浏览器会话（最新在前）"""
    return {"items": org().sessions(name)}


@blp.route(f"/users/{LOGIN}/sessions", methods=["DELETE"])
@auth.requires(ADMIN)
@blp.response(200, SessionsEndedSchema)
@blp.alt_response(404, schema=ErrorSchema)
def end_sessions(name):
    """全部下线：结束该人员的所有浏览器会话（API 令牌另行吊销）"""
    return {"ended": org().end_sessions(name, g.actor)}


# ---- departments ------------------------------------------------------------------------

@blp.route("/departments", methods=["GET"])
@auth.requires(ADMIN)
@blp.response(200, DepartmentListSchema)
def list_departments():
    """全部部门（parent 为上级部门编码，组成树：中心 → 部门 → 科室）"""
    return {"items": org().departments()}


@blp.route("/departments", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(DepartmentCreateSchema)
@blp.response(201, DepartmentSchema)
@blp.alt_response(409, schema=ErrorSchema, description="编码已存在")
@blp.alt_response(422, schema=ErrorSchema)
def create_department(body):
    """新建部门"""
    return org().create_department(body["code"], body["name"], body.get("parent"), g.actor)


@blp.route("/departments/<string(maxlength=64):code>", methods=["PATCH"])
@auth.requires(ADMIN)
@blp.arguments(DepartmentUpdateSchema)
@blp.response(200, DepartmentSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_department(body, code):
    """修改部门名称，或移到另一个上级部门之下"""
    return org().update_department(code, body, g.actor)


# ---- groups ------------------------------------------------------------------------------

@blp.route("/groups", methods=["GET"])
@auth.requires(ADMIN)
@blp.response(200, GroupListSchema)
def list_groups():
    """全部办理组及其启用成员数"""
    return {"items": org().groups()}


@blp.route("/groups", methods=["POST"])
@auth.requires(ADMIN)
@blp.arguments(GroupCreateSchema)
@blp.response(201, GroupSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_group(body):
    """新建办理组：组名须与流程图泳道名称一致"""
    group = org().create_group(body["name"], body["display_name"], body["kind"], body.get("department"), g.actor)
    group.member_count = 0
    return group


@blp.route(f"/groups/{GROUP}", methods=["PATCH"])
@auth.requires(ADMIN)
@blp.arguments(GroupUpdateSchema)
@blp.response(200, GroupSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_group(body, group):
    """修改办理组的显示名称、类型、所属部门（组名不可改：泳道引用它）"""
    row = org().update_group(group, body, g.actor)
    row.member_count = len(org().members([group]))
    return row


@blp.route(f"/groups/{GROUP}/members", methods=["GET"])
@auth.requires(ADMIN, CLERK)
@blp.response(200, MemberListSchema)
@blp.alt_response(403, schema=ErrorSchema, description="办事人员只能查看本人所在组")
@blp.alt_response(404, schema=ErrorSchema)
def group_members(group):
    """办理组的启用成员（转办、委派的人员选择）；办事人员只能查看本人所在的组"""
    if g.actor.role == CLERK and group not in g.actor.groups:
        raise Forbidden("只能查看本人所在办理组的成员", details={"group": group})
    org().group(group)
    return {"group": group, "items": org().members([group])}


@blp.route("/staffing", methods=["GET"])
@auth.requires(ADMIN, ANALYST, AUDITOR)
@blp.response(200, StaffingSchema)
def staffing():
    """每个已部署流程（最新版本）需要的办理组（泳道）和组内的启用成员"""
    return {"items": org().staffing()}
