"""The public guide (办事指南) of a matter: what a ``<key>.matter.json`` may say, checked at deploy.

Every field is optional except ``process`` and ``name`` (a test diagram needs no
guide), but what is there must be right: each problem is reported under the
field's path (``materials[2].copies``) with a Chinese sentence naming the field.
The matter types (事项类型) are data: ``matter_types.json`` beside this file, or
the file ``TONGBAN_MATTER_TYPES`` names.
"""
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from engine.identity.numbers import check_uscc

TYPES_FILE = Path(__file__).with_name("matter_types.json")
LEVELS = ("国家级", "省级", "市级", "县级", "乡镇级", "村级")
CATEGORIES = {"primary": "主要材料", "secondary": "次要材料"}
MAX_TEXT = 4000
MAX_MATERIALS = 100
CODE = re.compile(r"^[0-9A-Z]{6,20}$")

# field -> (Chinese label, kind); kind: text, long (text up to MAX_TEXT), days, bool, list
FIELDS = {
    "process": ("流程键", "text"),
    "name": ("事项名称", "text"),
    "base_code": ("基本编码", "text"),
    "implementation_code": ("实施编码", "text"),
    "kind": ("事项类型", "text"),
    "department": ("实施部门", "text"),
    "level": ("行使层级", "text"),
    "basis": ("设定依据", "long"),
    "conditions": ("受理条件", "long"),
    "legal_limit_days": ("法定时限", "days"),
    "promised_limit_days": ("承诺时限", "days"),
    "fee": ("收费标准", "long"),
    "fee_basis": ("收费依据", "long"),
    "result": ("结果名称", "text"),
    "channels": ("办理形式", "list"),
    "scope": ("通办范围", "text"),
    "place": ("办理地点", "long"),
    "hours": ("办理时间", "long"),
    "consult_phone": ("咨询电话", "text"),
    "complaint_phone": ("监督投诉电话", "text"),
    "instant": ("即办件", "bool"),
    "online": ("网上可办", "bool"),
    "one_visit": ("最多跑一次", "bool"),
}
MATERIAL_FIELDS = {
    "name": ("材料名称", "text"),
    "category": ("材料类别", "text"),
    "tolerable": ("可容缺", "bool"),
    "source": ("材料来源", "text"),
    "copies": ("份数", "copies"),
    "form": ("材料形式", "text"),
    "licence_type": ("可替代的电子证照类型", "text"),
    "commitment": ("可告知承诺", "bool"),
}
MAX_LENGTH = {"process": 200, "name": 300, "department": 200, "base_code": 64, "implementation_code": 64}


@lru_cache(maxsize=4)
def _table(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple({"code": str(t["code"]), "name": t["name"]} for t in data["types"])


def type_table():
    """The configured 事项类型 table: ``({"code", "name"}, ...)`` in its order."""
    return _table(os.environ.get("TONGBAN_MATTER_TYPES") or str(TYPES_FILE))


def matter_types():
    """The configured 事项类型 names."""
    return tuple(t["name"] for t in type_table())


def _check_value(label, kind, value, limit=300):
    if kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            return f"「{label}」应为不超过 {limit} 个字符的非空文本"
    elif kind == "long":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return f"「{label}」应为不超过 {MAX_TEXT} 个字符的文本"
    elif kind == "days":
        if type(value) is not int or not 0 <= value <= 10_000:
            return f"「{label}」应为 0–10000 的整数（工作日）"
    elif kind == "copies":
        if type(value) is not int or not 0 <= value <= 100:
            return f"「{label}」应为 0–100 的整数"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"「{label}」应为 true 或 false"
    elif kind == "list":
        if not isinstance(value, list) or len(value) > 20 or not all(
                isinstance(v, str) and v.strip() and len(v) <= 100 for v in value):
            return f"「{label}」应为不超过 20 项的文本列表"
    return None


def problems(entry):
    """``{field path: Chinese reason}`` for everything wrong in a catalogue entry (empty: fine)."""
    found = {}
    for key, (label, kind) in FIELDS.items():
        if key not in entry:
            if key in ("process", "name"):
                found[key] = f"缺少「{label}」"
            continue
        reason = _check_value(label, kind, entry[key], MAX_LENGTH.get(key, 300))
        if reason:
            found[key] = reason
    if "base_code" not in found and isinstance(entry.get("base_code"), str) and not CODE.match(entry["base_code"]):
        found["base_code"] = "「基本编码」应为 6–20 位数字或大写字母"
    impl = entry.get("implementation_code")
    if "implementation_code" not in found and isinstance(impl, str):
        reason = check_uscc(impl[:18])
        if reason:
            found["implementation_code"] = f"「实施编码」前18位应为实施主体的统一社会信用代码：{reason}"
        elif isinstance(entry.get("base_code"), str) and impl[18:18 + len(entry["base_code"])] != entry["base_code"]:
            found["implementation_code"] = "「实施编码」应由实施主体的统一社会信用代码加「基本编码」开头"
        elif not CODE.match(impl[18:] or "-"):
            found["implementation_code"] = "「实施编码」统一社会信用代码之后应为数字或大写字母"
    if "kind" not in found and "kind" in entry and entry["kind"] not in matter_types():
        found["kind"] = f"「事项类型」{entry['kind']!r} 不在事项类型表中（{'、'.join(matter_types())}）"
    if "level" not in found and "level" in entry and entry["level"] not in LEVELS:
        found["level"] = f"「行使层级」应为 {'、'.join(LEVELS)} 之一"
    legal, promised = entry.get("legal_limit_days"), entry.get("promised_limit_days")
    if type(legal) is int and type(promised) is int and promised > legal \
            and not {"legal_limit_days", "promised_limit_days"} & set(found):
        found["promised_limit_days"] = "「承诺时限」不能长于「法定时限」"
    found.update(_material_problems(entry.get("materials")))
    return found


def _material_problems(materials):
    if materials is None:
        return {}
    if not isinstance(materials, list) or len(materials) > MAX_MATERIALS:
        return {"materials": f"「申请材料」应为不超过 {MAX_MATERIALS} 项的列表"}
    found, names = {}, set()
    for i, material in enumerate(materials):
        where = f"materials[{i}]"
        if not isinstance(material, dict):
            found[where] = f"申请材料第 {i + 1} 项应为对象"
            continue
        for key, (label, kind) in MATERIAL_FIELDS.items():
            if key not in material:
                if key in ("name", "category"):
                    found[f"{where}.{key}"] = f"申请材料第 {i + 1} 项缺少「{label}」"
                continue
            reason = _check_value(label, kind, material[key], 200)
            if reason:
                found[f"{where}.{key}"] = f"申请材料第 {i + 1} 项{reason}"
        if material.get("category") not in CATEGORIES and f"{where}.category" not in found:
            found[f"{where}.category"] = f"申请材料第 {i + 1} 项「材料类别」应为 primary（主要）或 secondary（次要）"
        if material.get("name") in names:
            found[f"{where}.name"] = f"申请材料第 {i + 1} 项「材料名称」与前面的材料重复"
        names.add(material.get("name"))
    return found
