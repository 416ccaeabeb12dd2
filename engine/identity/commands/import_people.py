"""批量导入人员 from CSV (UTF-8, header line first):

    name,display_name,role,department,groups,position,phone,password

``department`` is a department code, ``groups`` group names separated by ``;``,
``password`` may be empty (one is generated and reported once). Every line is
checked before anything is written; one bad line and nothing is imported.
"""
import csv
import io

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from engine.commands import Command
from engine.errors import InvalidInput
from engine.identity import passwords
from engine.models import User

from .base import apply_person, person_problems, require_department_for_supervisor

COLUMNS = ("name", "display_name", "role", "department", "groups", "position", "phone", "password")
REQUIRED = ("name", "display_name", "role")
MAX_LINES = 2000


class ImportPeople(Command):
    def __init__(self, text, actor):
        self.text, self.actor = text, actor
        self.lines, self.problems = [], []

    def prepare(self, engine):
        """Parse and check every line (read-only); fills ``lines`` and ``problems``."""
        self.lines, self.problems = [], []
        rows = self._rows()
        if rows is None:
            return
        with engine.db.read() as session:
            existing = set(session.scalars(sa.select(User.name).where(
                User.name.in_([r.get("name") or "" for _, r in rows]))))
            seen = {}
            for number, row in rows:
                fields = {k: (row.get(k) or "").strip() for k in COLUMNS}
                fields["groups"] = [g.strip() for g in fields["groups"].replace("；", ";").split(";") if g.strip()]
                fields["department"] = fields["department"] or None
                fields["password"] = fields["password"] or None
                problems, department, groups = person_problems(session, fields, creating=True)
                for key in REQUIRED:
                    if not fields[key] and key not in problems:
                        problems[key] = "必填"
                if fields["password"] and "name" not in problems:
                    reason = passwords.problem(fields["password"], fields["name"])
                    if reason:
                        problems["password"] = reason
                if fields["name"] in existing:
                    problems["name"] = "用户已存在"
                elif fields["name"] in seen:
                    problems["name"] = f"与第{seen[fields['name']]}行重复"
                seen.setdefault(fields["name"], number)
                if not problems and fields["role"] == "supervisor" and department is None:
                    problems["department"] = "督查人员必须属于一个部门"
                if problems:
                    self.problems.append({"line": number, "name": fields["name"], "problems": problems})
                else:
                    self.lines.append((number, fields))

    def _rows(self):
        text = self.text.lstrip("\ufeff") if isinstance(self.text, str) else ""
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            self.problems.append({"line": 1, "name": "", "problems": {
                "header": "表头缺少列：" + "、".join(missing) + "（应为 " + ",".join(COLUMNS) + "）"}})
            return None
        reader.fieldnames = header
        rows = []
        try:
            for row in reader:
                if len(rows) >= MAX_LINES:
                    self.problems.append({"line": reader.line_num, "name": "", "problems": {
                        "file": f"一次最多导入{MAX_LINES}人"}})
                    return None
                if None in row:  # more cells than the header has
                    self.problems.append({"line": reader.line_num, "name": row.get("name") or "",
                                          "problems": {"line": "列数多于表头"}})
                    continue
                if any((v or "").strip() for v in row.values()):
                    rows.append((reader.line_num, row))
        except csv.Error as exc:
            self.problems.append({"line": reader.line_num, "name": "", "problems": {"file": f"CSV 格式错误：{exc}"}})
            return None
        if not rows and not self.problems:
            self.problems.append({"line": 1, "name": "", "problems": {"file": "文件中没有人员"}})
        return rows

    def report(self, dry_run, created=()):
        return {"dry_run": dry_run, "valid": len(self.lines), "problems": self.problems,
                "created": list(created)}

    def execute(self, ctx):
        if self.problems:
            raise InvalidInput("导入文件有错误，未导入任何人员", code="import_invalid",
                               details={"problems": self.problems})
        created = []
        for number, fields in self.lines:
            # Checked again inside the write: a department or group may have gone meanwhile.
            problems, department, groups = person_problems(ctx.session, fields, creating=True)
            if problems:
                raise InvalidInput("导入文件有错误，未导入任何人员", code="import_invalid",
                                   details={"problems": [{"line": number, "name": fields["name"],
                                                          "problems": problems}]})
            user = User(name=fields["name"], role=fields["role"], display_name="", active=True,
                        department=None, groups=[])
            apply_person(user, fields, department, groups)
            require_department_for_supervisor(user, problems)
            password = fields["password"] or passwords.generate()
            user.password_hash = generate_password_hash(password)
            user.password_change_required = not fields["password"]
            ctx.session.add(user)
            created.append({"line": number, "name": user.name,
                            "password": None if fields["password"] else password})
        ctx.session.flush()
        return self.report(dry_run=False, created=created)
