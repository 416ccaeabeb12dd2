"""Organisation rules shared by the service, its commands and the case queries:
roles, name formats, and departments as a tree (center → department → section).

A group is what a lane names, matched by its exact name; it is a department, a
section or a named team, with a display name and an optional department.
Membership is ``user_group`` (one person, several groups).
"""
import re

import sqlalchemy as sa

from engine.errors import InvalidInput
from engine.models import Department, OrgGroup

ROLES = ("admin", "analyst", "clerk", "auditor", "integrator", "supervisor", "applicant")
GROUP_KINDS = ("department", "section", "team")
NAME_RE = re.compile(r"^[\w.\-@]{1,100}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
PHONE_RE = re.compile(r"^[0-9+\- ()]{0,32}$")


def subtree_ids(code):
    """A select of the ids of department ``code`` and everything below it (recursive CTE)."""
    top = sa.select(Department.id).where(Department.code == code).cte("dept_tree", recursive=True)
    below = sa.select(Department.id).join(top, Department.parent_id == top.c.id)
    tree = top.union_all(below)
    return sa.select(tree.c.id)


def subtree_groups(code):
    """A select of the names of the groups that belong to department ``code``'s subtree."""
    return sa.select(OrgGroup.name).where(OrgGroup.department_id.in_(subtree_ids(code)))


def department_named(session, code, field="department"):
    """The department with ``code``; a bad code is the caller's input error."""
    dept = session.scalar(sa.select(Department).where(Department.code == code))
    if dept is None:
        raise InvalidInput("部门不存在", details={field: code})
    return dept


def ensure_groups(session, names):
    """Make a plain team for each name that is not a group yet (the CLI's `--group`)."""
    known = set(session.scalars(sa.select(OrgGroup.name).where(OrgGroup.name.in_(list(names)))))
    for name in names:
        if name not in known:
            session.add(OrgGroup(name=name, display_name=name, kind="team"))
    session.flush()
