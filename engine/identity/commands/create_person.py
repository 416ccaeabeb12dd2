"""新建人员: login name, real name, role, department, groups; a password chosen by the
admin (checked against the policy) or generated and shown once, to be changed at first login."""
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from engine.commands import Command
from engine.errors import Conflict, InvalidInput
from engine.identity import passwords
from engine.models import User

from .base import apply_person, person_problems, require_department_for_supervisor


class CreatePerson(Command):
    def __init__(self, fields, actor):
        self.fields, self.actor = dict(fields), actor

    def execute(self, ctx):
        session, fields = ctx.session, self.fields
        problems, department, groups = person_problems(session, fields, creating=True)
        password = fields.get("password")
        if password is not None and "name" not in problems:
            reason = passwords.problem(password, fields["name"])
            if reason:
                problems["password"] = reason
        if not problems and session.scalar(sa.select(User.id).where(User.name == fields["name"])) is not None:
            raise Conflict("用户已存在", code="user_exists", details={"name": fields["name"]})
        # Both relationships set here, so that the row reads whole after the session closes.
        user = User(name=fields.get("name"), role=fields.get("role"), display_name="", active=True,
                    department=None, groups=[])
        if not problems:
            apply_person(user, fields, department, groups)
            require_department_for_supervisor(user, problems)
        if problems:
            raise InvalidInput("人员信息不正确", details=problems)
        user.display_name = user.display_name or user.name
        generated = None
        if password is None:
            generated = password = passwords.generate()
        user.password_hash = generate_password_hash(password)
        # Somebody else knows a generated password; an admin may also ask for a change explicitly.
        user.password_change_required = generated is not None or bool(fields.get("password_change_required"))
        session.add(user)
        session.flush()
        return user, generated
