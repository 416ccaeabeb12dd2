"""一件事 themes: ``processes/themes/<key>.json`` bundles matters behind one form.

    {"key": "open_restaurant", "name": "开办餐饮店", "description": "…",
     "form": "open_restaurant_application",            # a deployed form (forms/)
     "matters": [{"process": "food_business_license",
                  "fields": {"shop_name": "shop_name"}},  # theme field -> the matter's field
                 {"process": "no_criminal_record", "fields": ["purpose_note"]}]}

Each field of the one form goes to the matters that list it (a list keeps the name,
an object renames). Checked when deployed: the form and every matter (its BPMN and
catalogue entry) must be deployed, every mapped field must be on the form, and the
data each matter gets must be acceptable to its own start form.
"""
import json
import re
from pathlib import Path

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import DefinitionInvalid, NotFound
from engine.models import Definition, Matter, Theme
from engine.repository.forms import name_problem
from engine.runtime.step import form_key_of

KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,99}$")
MAX_THEME_BYTES = 256 * 1024
MAX_MATTERS = 20


def parse(filename, text):
    """The theme of one file, its shape checked; raises DefinitionInvalid naming every problem."""
    where = {"file": filename}
    if len(text) > MAX_THEME_BYTES:
        raise DefinitionInvalid("一件事主题文件过大", details={**where, "max_bytes": MAX_THEME_BYTES})
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DefinitionInvalid("一件事主题文件不是合法的 JSON", details={**where, "reason": str(exc)[:200]}) from None
    if not isinstance(body, dict):
        raise DefinitionInvalid("一件事主题应为 JSON 对象", details=where)
    problems = {}
    stem = Path(filename).name.removesuffix(".json")
    key = body.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems["key"] = "主题标识应以字母开头，只含字母、数字、下划线、连字符（1–100位）"
    elif key != stem:
        problems["key"] = f"主题标识“{key}”应与文件名“{stem}”一致"
    if not isinstance(body.get("name"), str) or not body["name"].strip() or len(body["name"]) > 300:
        problems["name"] = "请填写主题名称（不超过300字）"
    if "description" in body and not isinstance(body["description"], str):
        problems["description"] = "说明应为文本"
    if "form" in body and not (isinstance(body["form"], str) and body["form"]):
        problems["form"] = "form 应为已部署表单的标识"
    matters = body.get("matters")
    if not isinstance(matters, list) or not 2 <= len(matters) <= MAX_MATTERS:
        problems["matters"] = f"一件事应包含 2–{MAX_MATTERS} 个事项"
    else:
        seen = set()
        for i, entry in enumerate(matters):
            at = f"matters[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("process"), str):
                problems[at] = "每个事项应为 {process, fields}"
                continue
            if entry["process"] in seen:
                problems[at] = f"事项 {entry['process']} 重复"
            seen.add(entry["process"])
            fields = entry.get("fields", [])
            pairs = fields_of(fields)
            if pairs is None:
                problems[f"{at}.fields"] = "fields 应为字段名列表，或 {主题字段: 事项字段} 对象"
                continue
            for source, target in pairs:
                reason = name_problem(source) or name_problem(target)
                if reason:
                    problems[f"{at}.fields.{source}"] = reason
    if problems:
        raise DefinitionInvalid("一件事主题内容不合法", details={**where, **problems})
    return body


def fields_of(fields):
    """[(theme field, matter field)] of a matter's ``fields``, or None when malformed."""
    if isinstance(fields, list) and all(isinstance(f, str) for f in fields):
        return [(f, f) for f in fields]
    if isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values()):
        return list(fields.items())
    return None


def start_form_key(engine, session, process_key):
    """The form key on the start event of the newest version of ``process_key``, or None."""
    definition = engine.repository.latest(session, "bpmn", process_key)
    spec, _ = engine.repository.specs(session, definition.id)
    keys = sorted({form_key_of(s) for s in spec.task_specs.values() if isinstance(s, StartEvent)} - {None})
    return keys[0] if keys else None


def check_against_deployed(engine, session, filename, body):
    """The matters and the form a theme names are deployed, and the mapped fields exist."""
    where = {"file": filename}
    problems = {}
    form_fields = None
    if body.get("form"):
        try:
            form, _ = engine.repository.form(session, body["form"])
            form_fields = {f.key for f in form.fields}
        except NotFound:
            problems["form"] = f"表单 {body['form']} 尚未部署"
    for i, entry in enumerate(body["matters"]):
        process = entry["process"]
        at = f"matters[{i}]"
        if session.get(Matter, process) is None:
            problems[at] = f"事项 {process} 不在事项目录中"
            continue
        if session.scalar(sa.select(Definition.id).where(Definition.kind == "bpmn", Definition.key == process)) is None:
            problems[at] = f"事项 {process} 的流程尚未部署"
            continue
        pairs = fields_of(entry.get("fields", []))
        if form_fields is not None:
            missing = [s for s, _ in pairs if s not in form_fields]
            if missing:
                problems[f"{at}.fields"] = "主题表单中没有这些字段：" + "、".join(missing)
        key = start_form_key(engine, session, process)
        if key:
            matter_form, _ = engine.repository.form(session, key)
            known = {f.key for f in matter_form.fields}
            unknown = [t for _, t in pairs if t not in known]
            if unknown:
                problems[f"{at}.fields"] = f"事项 {process} 的申请表单中没有这些字段：" + "、".join(unknown)
    if problems:
        raise DefinitionInvalid("一件事主题引用的表单或事项有误", details={**where, **problems})


def deploy(engine, files):
    """Store themes given as ``[(filename, text)]`` in one transaction; all or none."""
    bodies = [(name, parse(name, text)) for name, text in files]
    keys = [b["key"] for _, b in bodies]
    if len(set(keys)) != len(keys):
        raise DefinitionInvalid("一件事主题标识重复", details={"keys": keys})
    with engine.db.write() as session:
        out = []
        for name, body in bodies:
            check_against_deployed(engine, session, name, body)
            row = session.get(Theme, body["key"]) or Theme(key=body["key"])
            row.name, row.body = body["name"].strip(), body
            session.add(row)
            out.append(row)
        session.flush()
        return out


def deploy_paths(engine, paths):
    files = []
    for path in map(Path, paths):
        children = sorted(path.glob("*.json")) if path.is_dir() else [path]
        files += [(p.name, p.read_text(encoding="utf-8")) for p in children]
    return deploy(engine, files) if files else []
