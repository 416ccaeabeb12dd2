"""Rules a diagram switches on for a user task with a spiffworkflow property, for every matter alike:

- ``acceptance`` (受理): the clerk marks each material of the matter's catalogue entry present,
  missing or defective and decides 受理 / 容缺受理 / 不予受理;
- ``delivery`` (出件/送达): how the result reached the applicant.

The clerk's answer travels in reserved keys of the task's submitted data (taken out before the
task's form checks the rest); the checked answer, and what the flow needs from it, go back into
the data, so the trail and a replay carry them like any form field.
"""
import datetime

import sqlalchemy as sa

from engine.calendar import calendar
from engine.clock import clock
from engine.errors import InvalidInput
from engine.identity.numbers import CHINA_TZ, check_id_number
from engine.models import Case, Licence, Matter

ACCEPTANCE, DELIVERY = "acceptance", "delivery"
ACCEPT, TOLERATE, REFUSE = "accept", "tolerate", "refuse"
DECISIONS = {ACCEPT: "受理", TOLERATE: "容缺受理", REFUSE: "不予受理"}
PRESENT, MISSING, DEFECTIVE = "present", "missing", "defective"
STATUSES = {PRESENT: "齐全", MISSING: "缺失", DEFECTIVE: "有缺陷"}
ACCEPTANCE_KEYS = ("acceptance", "materials", "supplement_due", "refuse_reason")
METHODS = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}
DELIVERY_KEYS = ("delivery_method", "collector_name", "collector_id_number", "identity_checked",
                 "carrier", "tracking_number")
MAX_SUPPLEMENT_DAYS = 60
# What a marked task puts into the case data (lint reads it: gateways may branch on these).
PROVIDES = {ACCEPTANCE: {"acceptance", "materials", "materials_missing", "missing_materials", "supplement_due",
                         "supplement_due_at", "refuse_reason"},
            DELIVERY: {"delivery_method", "delivery"}}


def provided_by(properties):
    """The variables a task the diagram marks as acceptance or delivery provides."""
    return set().union(*(PROVIDES[r] for r in (ACCEPTANCE, DELIVERY)
                         if str(properties.get(r, "")).strip().lower() in ("true", "1", "yes")))
MAX_TEXT = 500


def role_of(engine, session, definition_id, element_id):
    """"acceptance", "delivery" or None: what the diagram marks the task as."""
    props = engine.repository.properties(session, definition_id).get(element_id, {})
    return role_in(props)


def role_in(properties):
    """"acceptance", "delivery" or None for a task's drawn properties."""
    return next((r for r in (ACCEPTANCE, DELIVERY) if provided_by({r: properties.get(r, "")})), None)


def materials_of(session, process_key):
    """The matter's catalogue materials (name, category, tolerable, source, copies)."""
    matter = session.get(Matter, process_key)
    return list(((matter.guide or {}) if matter else {}).get("materials") or [])


def split(engine, session, row, data):
    """(form data, checked window data) for a task row: the window part is empty unless the
    diagram marks the task; a marked task's reserved keys are checked here."""
    case = session.get(Case, row.case_id)
    role = role_of(engine, session, case.definition_id, row.element_id)
    if role is None:
        return data, {}
    form_data, checked = check_marked(role, materials_of(session, case.process_key), data)
    if role == DELIVERY and checked["delivery_method"] == "electronic":  # the result goes to the e-licence library (#10)
        checked["delivery"]["licences"] = list(session.scalars(
            sa.select(Licence.number).where(Licence.case_id == case.id, Licence.status == "valid")
            .order_by(Licence.id)))
    return form_data, checked


def check_marked(role, catalogue, data):
    """(form data, checked window data) for a task marked ``role``: the reserved keys are taken out
    and checked against the catalogue's materials (also used by the workbench's trial runs)."""
    keys = ACCEPTANCE_KEYS if role == ACCEPTANCE else DELIVERY_KEYS
    form_data = {k: v for k, v in data.items() if k not in keys}
    answer = {k: data.get(k) for k in keys}
    if role == ACCEPTANCE:
        return form_data, check_acceptance(catalogue, answer)
    return form_data, check_delivery(answer)


def _text(value, field, errors, required=True):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = "必填"
        return None
    if not isinstance(value, str):
        errors[field] = "应为文本"
        return None
    if len(value.strip()) > MAX_TEXT:
        errors[field] = f"不能超过{MAX_TEXT}字"
        return None
    return value.strip()


def check_acceptance(catalogue, answer, today=None):
    """The checked acceptance, or InvalidInput naming every broken rule."""
    errors = {}
    decision = answer.get("acceptance")
    if decision not in DECISIONS:
        raise InvalidInput("请选择受理、容缺受理或不予受理", details={"acceptance": "应为 accept、tolerate 或 refuse"})
    marks = answer.get("materials") or {}
    if not isinstance(marks, dict):
        raise InvalidInput("材料核验结果格式不正确", details={"materials": "应为 {材料名称: present|missing|defective}"})
    names = [m.get("name") for m in catalogue]
    unknown = [n for n in marks if n not in names]
    if unknown:
        errors["materials"] = f"不是本事项的材料：{'、'.join(map(str, unknown))}"
    for name in names:
        if marks.get(name) not in STATUSES:
            errors[f"materials.{name}"] = "请核验：齐全、缺失或有缺陷"
    lacking = [m for m in catalogue if marks.get(m["name"]) in (MISSING, DEFECTIVE)]
    checked = {"acceptance": decision, "materials": {n: marks.get(n) for n in names},
               "materials_missing": decision == TOLERATE, "missing_materials": [m["name"] for m in lacking],
               "supplement_due": None, "refuse_reason": None}
    if decision == ACCEPT and lacking:
        errors["acceptance"] = "有材料缺失或有缺陷，不能直接受理（可容缺受理、补正或不予受理）"
    elif decision == TOLERATE:
        if not lacking:
            errors["acceptance"] = "容缺受理须至少有一项材料缺失或有缺陷"
        strict = [m["name"] for m in lacking if not m.get("tolerable")]
        if strict:
            errors["materials"] = f"以下材料不可容缺：{'、'.join(strict)}"
        checked["supplement_due"] = _due(answer.get("supplement_due"), errors, today)
    elif decision == REFUSE:
        checked["refuse_reason"] = _text(answer.get("refuse_reason"), "refuse_reason", errors)
        if "refuse_reason" in errors and errors["refuse_reason"] == "必填":
            errors["refuse_reason"] = "不予受理须写明理由和法律依据"
    if errors:
        raise InvalidInput("受理决定不符合受理规则", details=errors)
    if checked["supplement_due"]:
        # The boundary timer of the supplement wait reads this (end of the deadline day, Beijing time).
        checked["supplement_due_at"] = f"{checked['supplement_due']}T23:59:59+08:00"
    return checked


def _due(value, errors, today=None):
    """The supplement deadline: a date, or a whole number of working days from today."""
    today = today or clock.now().astimezone(CHINA_TZ).date()
    due = None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SUPPLEMENT_DAYS:
        try:
            due = calendar().add(today, value)
        except Exception:  # no calendar for that year: the clerk gives a date instead
            errors["supplement_due"] = "工作日历缺少数据，请直接填写补正期限日期"
            return None
    else:
        try:
            due = datetime.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            due = None
    if due is None:
        errors["supplement_due"] = "容缺受理须设定补正期限（日期，如 2026-12-08，或工作日天数）"
    elif due < today or due > today + datetime.timedelta(days=MAX_SUPPLEMENT_DAYS):
        errors["supplement_due"] = f"补正期限应在今天到{MAX_SUPPLEMENT_DAYS}天之内"
    else:
        return due.isoformat()
    return None


def check_delivery(answer):
    errors = {}
    method = answer.get("delivery_method")
    if method not in METHODS:
        raise InvalidInput("请选择送达方式", details={"delivery_method": "应为 window、post 或 electronic"})
    delivery = {"method": method}
    if method == "window":
        delivery["collector_name"] = _text(answer.get("collector_name"), "collector_name", errors)
        number = answer.get("collector_id_number")
        reason = check_id_number(number) if number else "必填"
        if reason:
            errors["collector_id_number"] = reason
        else:
            delivery["collector_id_number"] = number.strip().upper()
        if answer.get("identity_checked") is not True:
            errors["identity_checked"] = "请核验领取人身份证件后勾选"
        delivery["identity_checked"] = True
    elif method == "post":
        delivery["carrier"] = _text(answer.get("carrier"), "carrier", errors)
        tracking = _text(answer.get("tracking_number"), "tracking_number", errors)
        if tracking and not (4 <= len(tracking) <= 40 and tracking.replace("-", "").isalnum()):
            errors["tracking_number"] = "邮寄单号应为4到40位字母或数字"
        delivery["tracking_number"] = tracking
    if errors:
        raise InvalidInput("送达信息不完整", details=errors)
    return {"delivery_method": method, "delivery": delivery}


def delivery_text(delivery):
    """How people read a delivery: 邮寄送达（EMS 1234…）."""
    if not delivery:
        return None
    method = METHODS.get(delivery.get("method"), delivery.get("method"))
    if delivery.get("method") == "post":
        return f"{method}（{delivery.get('carrier')} {delivery.get('tracking_number')}）"
    if delivery.get("method") == "window":
        return f"{method}（领取人 {delivery.get('collector_name')}，已核验身份）"
    if delivery.get("licences"):
        return f"{method}（电子证照 {'、'.join(delivery['licences'])}，已存入电子证照库）"
    return method
