"""People's words for case data: each key's label and each option's text, from the forms a
process version uses (and the front window's own keys), so pages never show raw keys."""
from .intake import RECEIVED
from .rules import DECISIONS, METHODS, STATUSES

# The keys the front window itself writes (engine.window.rules, intake).
OWN = {
    "acceptance": {"label": "受理决定", "options": DECISIONS},
    "materials": {"label": "材料核验", "options": STATUSES},
    "materials_missing": {"label": "容缺受理", "options": {"true": "是", "false": "否"}},
    "missing_materials": {"label": "需补正的材料"},
    "supplement_due": {"label": "补正期限"},
    "supplement_due_at": {"label": "补正截止时间"},
    "refuse_reason": {"label": "不予受理理由"},
    "intake_materials": {"label": "收件材料", "options": RECEIVED},
    "delivery_method": {"label": "送达方式", "options": METHODS},
    "delivery": {"label": "送达情况"},
    "method": {"label": "送达方式", "options": METHODS},
    "carrier": {"label": "寄递企业"},
    "tracking_number": {"label": "邮寄单号"},
    "collector_name": {"label": "领取人"},
    "collector_id_number": {"label": "领取人身份证号"},
    "identity_checked": {"label": "已核验领取人身份", "options": {"true": "是", "false": "否"}},
    "case_number": {"label": "办件编号"},
    "applicant": {"label": "申请人"},
    # The applicant object's own keys, and what the engine adds at start (一证申办, 告知承诺).
    "kind": {"label": "申请人类型", "options": {"person": "自然人", "org": "法人或其他组织"}},
    "id_number": {"label": "证件号码"},
    "name": {"label": "姓名或名称"},
    "commitments": {"label": "以告知承诺代替的材料"},
}


def _walk(components, out):
    for c in components or ():
        if not isinstance(c, dict):
            continue
        key = c.get("key") or c.get("path")
        if key and c.get("label") and key not in out:
            entry = {"label": c["label"]}
            values = c.get("values")
            if isinstance(values, list):
                entry["options"] = {_text(v.get("value")): v.get("label") for v in values
                                    if isinstance(v, dict) and "label" in v}
            out[key] = entry
        _walk(c.get("components"), out)


def _text(value):
    return "true" if value is True else "false" if value is False else str(value)


def of_forms(schemas):
    """{key: {label, options?}} from form-js schemas (first form naming a key wins)."""
    out = {}
    for schema in schemas:
        _walk((schema or {}).get("components"), out)
    for key, entry in OWN.items():
        out.setdefault(key, entry)
    return out
