"""The ``issueLicence`` service task: a diagram issues an e-licence (no Python names a matter).

Drawn as a service task with SpiffWorkflow's operator element::

    <bpmn:serviceTask id="issue" name="签发营业执照">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="issueLicence" resultVariable="licence">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="type" type="str" value="'营业执照'"/>
            <spiffworkflow:parameter id="number" type="str" value="'GT{year}{seq:6}'"/>
            <spiffworkflow:parameter id="valid_years" type="int" value="0"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>

Parameter values are expressions over the case data (text in quotes). The holder
is the case's applicant. The result variable receives ``{type, name, number,
valid_from, valid_until}``; the trail records ``licence_issued``.
"""
import ast
import json
import re
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engine import history
from engine.errors import ScriptError
from engine.identity.numbers import CHINA_TZ
from engine.models import Licence, LicenceSequence

OPERATOR = "issueLicence"
PARAMETERS = {"type": "证照类型", "name": "证照名称", "number": "证照编号规则", "valid_years": "有效期（年）"}
DEFAULT_PATTERN = "{year}{seq:6}"
_FIELD = re.compile(r"\{(year|date|case|seq)(?::(\d{1,2}))?\}")


def check_drawn(operator, problem):
    """Deploy-time check of one drawn operator element; ``problem(text, hint)`` reports."""
    params = {}
    for node in operator.iter():
        if isinstance(node.tag, str) and node.tag.endswith("}parameter"):
            params[node.get("id")] = node.get("value")
    unknown = sorted(set(params) - set(PARAMETERS), key=str)
    if unknown:
        problem(f"的签发证照参数 {unknown} 无法识别", "可用参数：" + "、".join(f"{k}（{v}）" for k, v in PARAMETERS.items()))
    if not params.get("type"):
        problem("签发电子证照但没有参数 type（证照类型）", "例如 <spiffworkflow:parameter id=\"type\" type=\"str\" value=\"'营业执照'\"/>")
    for key, value in params.items():
        try:
            ast.parse(value or "", mode="eval")
        except SyntaxError:
            problem(f"的参数 {key} 不是合法的表达式：{value!r}", "文本请加引号，例如 '营业执照'")


def _next_seq(session, licence_type, period, local):
    """The next {seq}: the counter row is updated (and so locked until commit) before it is read."""
    bump = (sa.update(LicenceSequence).where(LicenceSequence.type == licence_type, LicenceSequence.period == period)
            .values(value=LicenceSequence.value + 1).returning(LicenceSequence.value))
    seq = session.scalar(bump)
    if seq is not None:
        return seq
    # The type's first number this period: go on from the licences issued before the counter existed.
    q = sa.select(sa.func.count()).select_from(Licence).where(Licence.type == licence_type)
    if period:
        q = q.where(Licence.issued_at >= datetime.combine(local.date().replace(month=1, day=1), time(), CHINA_TZ))
    seq = session.scalar(q) + 1
    try:
        with session.begin_nested():
            session.add(LicenceSequence(type=licence_type, period=period, value=seq))
    except IntegrityError:  # another case made the row first: take the next value from it
        seq = session.scalar(bump)
    return seq


def _number(session, pattern, licence_type, case, now):
    local = now.astimezone(CHINA_TZ)
    # {seq} restarts every year only when the year is part of the number; else it never restarts.
    period = f"{local:%Y}" if "{year" in pattern or "{date" in pattern else ""
    seq = _next_seq(session, licence_type, period, local) if "{seq" in pattern else 0

    def field(match):
        name, width = match.group(1), int(match.group(2) or 0)
        value = {"year": f"{local:%Y}", "date": f"{local:%Y%m%d}", "case": case.number or str(case.id),
                 "seq": str(seq)}[name]
        return value.zfill(width)
    return _FIELD.sub(field, pattern)


def _params(values):
    licence_type, name = values.get("type"), values.get("name")
    pattern, years = values.get("number") or DEFAULT_PATTERN, values.get("valid_years", 0)
    if not isinstance(licence_type, str) or not licence_type.strip() or len(licence_type) > 100:
        raise ScriptError("签发电子证照：证照类型（type）应为不超过100字的文本", details={"parameter": "type"})
    if name is not None and (not isinstance(name, str) or len(name) > 300):
        raise ScriptError("签发电子证照：证照名称（name）应为不超过300字的文本", details={"parameter": "name"})
    if not isinstance(pattern, str) or len(pattern) > 60 or "{seq" not in pattern and "{case" not in pattern:
        raise ScriptError("签发电子证照：编号规则（number）应含 {seq} 或 {case}，不超过60字",
                          details={"parameter": "number"})
    if type(years) is not int or not 0 <= years <= 100:
        raise ScriptError("签发电子证照：有效期（valid_years）应为 0–100 的整数，0 为长期",
                          details={"parameter": "valid_years"})
    return licence_type.strip(), (name or licence_type).strip(), pattern, years


def _describe(licence):
    return {"type": licence.type, "name": licence.name, "number": licence.number,
            "valid_from": licence.valid_from.astimezone(timezone.utc).isoformat(),
            "valid_until": licence.valid_until.astimezone(timezone.utc).isoformat() if licence.valid_until else None}


def call_service(step, task, operation_name=None, operation_params=None, **_):
    """SpiffWorkflow's service-task hook, bound to the running step (see Step)."""
    if operation_name != OPERATOR:
        raise ScriptError(f"服务任务操作符 {operation_name!r} 不存在", details={"operator": operation_name})
    licence_type, name, pattern, years = _params({k: v.get("value") for k, v in (operation_params or {}).items()})
    element_id = task.task_spec.bpmn_id
    if not step.stores_state:
        licence = _replayed(step, element_id)
    else:
        licence = _issue(step, element_id, licence_type, name, pattern, years)
    described = _describe(licence)
    step.event(history.LICENCE_ISSUED, actor=None, element_id=element_id,
               data={"name": task.task_spec.bpmn_name or name, **described})
    return json.dumps(described, ensure_ascii=False)


def _issue(step, element_id, licence_type, name, pattern, years):
    session, case = step.session, step.case
    now = step.engine.clock.now()
    start = datetime.combine(now.astimezone(CHINA_TZ).date(), time(), CHINA_TZ)
    until = None
    if years:
        try:
            until = start.replace(year=start.year + years) - timedelta(seconds=1)
        except ValueError:  # 29 February
            until = start.replace(year=start.year + years, day=28) - timedelta(seconds=1)
    number = _number(session, pattern, licence_type, case, now)
    if session.scalar(sa.select(Licence.id).where(Licence.number == number)) is not None:
        raise ScriptError(f"签发电子证照：编号 {number} 已被使用，请在编号规则中加入 {{seq}} 或 {{case}}",
                          details={"number": number})
    licence = Licence(type=licence_type, name=name, number=number, holder_kind=case.applicant_kind,
                      holder_id_number=case.applicant_id_number, holder_name=case.applicant_name,
                      valid_from=start, valid_until=until, case_id=case.id, element_id=element_id,
                      status="valid", issued_at=now)
    session.add(licence)
    session.flush()
    return licence


def _replayed(step, element_id):
    """A replay issues nothing: it answers what the case issued then, in the same order."""
    done = sum(1 for e in step.run.produced if e.type == history.LICENCE_ISSUED and e.element_id == element_id)
    with step.engine.db.read() as session:
        rows = session.scalars(sa.select(Licence).where(Licence.case_id == step.case.id,
                                                        Licence.element_id == element_id)
                               .order_by(Licence.id)).all()
    if done >= len(rows):
        raise ScriptError("重演时找不到该环节签发的电子证照", details={"element": element_id})
    return rows[done]
