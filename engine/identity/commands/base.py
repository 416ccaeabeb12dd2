"""What the organisation commands share: checking a person's fields, finding rows."""
import sqlalchemy as sa

from engine.errors import InvalidInput, NotFound
from engine.identity.organisation import CODE_RE, GROUP_KINDS, NAME_RE, PHONE_RE, ROLES
from engine.identity.organisation import department_named  # noqa: F401  (the commands import it from here)
from engine.models import Department, OrgGroup, User, UserGroup

PERSON_FIELDS = ("name", "display_name", "role", "department", "groups", "position", "phone", "password",
                 "password_change_required", "active")


def user_named(session, name):
    user = session.scalar(sa.select(User).where(User.name == name))
    if user is None:
        raise NotFound("用户不存在", details={"name": name})
    return user


def group_named(session, name):
    group = session.get(OrgGroup, name)
    if group is None:
        raise NotFound("办理组不存在", details={"name": name})
    return group


def check_code(code):
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise InvalidInput("部门编码只能包含字母、数字、下划线、点、连字符（1–64位）", details={"code": code})


def check_text(details, fields, key, label, max_length, required=False):
    """Put a Chinese reason into ``details`` when ``fields[key]`` is not acceptable text."""
    if key not in fields:
        return
    value = fields[key]
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        details[key] = f"请填写{label}"
    elif len(value) > max_length:
        details[key] = f"{label}不能超过{max_length}个字"


def person_problems(session, fields, creating):
    """Every problem of a person's fields as {field: reason}; resolves department and groups.

    Returns (problems, department row or None or ..., group names or None)."""
    problems = {}
    if creating:
        name = fields.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems["name"] = "用户名只能包含字母、数字、汉字、下划线、点、连字符（1–100位）"
    check_text(problems, fields, "display_name", "姓名", 200)
    check_text(problems, fields, "position", "职务", 100)
    if "phone" in fields and fields["phone"] is not None and (
            not isinstance(fields["phone"], str) or not PHONE_RE.match(fields["phone"])):
        problems["phone"] = "电话只能包含数字、空格、+、-、括号（最多32位）"
    if (creating or "role" in fields) and fields.get("role") not in ROLES:
        problems["role"] = "角色必须是 " + "、".join(ROLES) + " 之一"
    department = ...
    if "department" in fields:
        code = fields["department"]
        department = None
        if code:
            department = session.scalar(sa.select(Department).where(Department.code == code)) \
                if isinstance(code, str) else None
            if department is None:
                problems["department"] = f"部门不存在：{code}"
    groups = None
    if "groups" in fields and fields["groups"] is not None:
        groups = fields["groups"]
        if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
            problems["groups"] = "办理组应为组名列表"
            groups = None
        else:
            groups = list(dict.fromkeys(groups))
            known = set(session.scalars(sa.select(OrgGroup.name).where(OrgGroup.name.in_(groups))))
            unknown = [g for g in groups if g not in known]
            if unknown:
                problems["groups"] = "办理组不存在：" + "、".join(unknown)
    return problems, department, groups


def apply_person(user, fields, department, groups):
    for key in ("display_name", "position", "phone", "role"):
        if key in fields and fields[key] is not None:
            setattr(user, key, fields[key].strip() if key == "display_name" else fields[key])
    if department is not ...:
        user.department = department
    if groups is not None:
        user.groups = [UserGroup(group_name=g) for g in groups]


def require_department_for_supervisor(user, problems):
    if user.role == "supervisor" and user.department is None:
        problems["department"] = "督查人员必须属于一个部门（督查范围为该部门及其下级）"


def check_kind(kind):
    if kind not in GROUP_KINDS:
        raise InvalidInput("组类型必须是 department（部门）、section（科室）或 team（专班）之一", details={"kind": kind})

