"""申请人注册: real name, identity number (checked like every applicant's), a password
under the same rules as staff; the login name is the identity number (一证申办)."""
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from engine.commands import Command
from engine.errors import Conflict, InvalidInput
from engine.identity import passwords
from engine.identity.numbers import normalize_applicant
from engine.identity.organisation import PHONE_RE
from engine.models import User

APPLICANT = "applicant"


class RegisterApplicant(Command):
    def __init__(self, fields):
        self.fields = dict(fields)

    def execute(self, ctx):
        fields, problems = self.fields, {}
        applicant = None
        try:
            applicant = normalize_applicant(fields.get("kind") or "person", fields.get("id_number"),
                                            fields.get("name"))
        except InvalidInput as exc:
            problems.update(exc.details or {})
        reason = passwords.problem(fields.get("password"), applicant["id_number"] if applicant else "")
        if reason:
            problems["password"] = reason
        phone = fields.get("phone") or ""
        if not isinstance(phone, str) or not PHONE_RE.match(phone):
            problems["phone"] = "电话只能包含数字、空格、+、-、括号（最多32位）"
        if problems:
            raise InvalidInput("注册信息不正确", details=problems)
        number = applicant["id_number"]
        taken = ctx.session.scalar(sa.select(User.id).where(sa.or_(User.name == number, User.id_number == number)))
        if taken is not None:
            raise Conflict("该证件号码已注册，请直接登录", code="already_registered")
        user = User(name=number, display_name=applicant["name"], role=APPLICANT, id_number=number, phone=phone,
                    password_hash=generate_password_hash(fields["password"]), active=True, groups=[],
                    department=None)
        ctx.session.add(user)
        ctx.session.flush()
        return user
