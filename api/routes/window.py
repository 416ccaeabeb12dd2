"""Front window (前台综合受理): 收件 matters, a task's window role, labels, numbered notices."""
from flask import g
from flask_smorest import Blueprint
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import NotFound
from engine.models import Matter
from engine.runtime.step import form_key_of
from engine.window import rules

from ..auth import ADMIN, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR, engine
from .. import auth
from ..schemas import (ErrorSchema, FormSchemaSchema, IntakeMattersSchema, LabelsSchema, NoticeCreateSchema, NoticeListSchema,
                       NoticeSchema, TaskWindowSchema)

blp = Blueprint("window", __name__, url_prefix="/api/v1", description="前台综合受理：收件、受理文书、送达")

READERS = (ADMIN, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR)


@blp.route("/window/matters", methods=["GET"])
@auth.requires(ADMIN, CLERK)
@blp.response(200, IntakeMattersSchema)
def intake_matters():
    """本人可以收件的事项：名称、材料清单、申请表单"""
    keys = set(engine().window.matters_for(g.actor))
    items = []
    with engine().db.read() as session:
        for key in sorted(keys):
            definition = engine().repository.latest(session, "bpmn", key)
            spec, _ = engine().repository.specs(session, definition.id)
            forms = sorted({form_key_of(s) for s in spec.task_specs.values() if isinstance(s, StartEvent)} - {None})
            matter = session.get(Matter, key)
            matter_name = matter.name if matter else None
            schema = engine().repository.form(session, forms[0])[0].schema if forms else None
            items.append({"process": key, "name": matter_name or spec.description or key,
                          "materials": rules.materials_of(session, key), "form": forms[0] if forms else None,
                          "form_schema": schema})
    return {"items": items}


@blp.route("/tasks/<int(min=1, max=2147483647):task_id>/window", methods=["GET"])
@auth.requires(ADMIN, AUDITOR, CLERK, SUPERVISOR)
@blp.response(200, TaskWindowSchema)
@blp.alt_response(404, schema=ErrorSchema)
def task_window(task_id):
    """任务的窗口规则：受理（材料核验清单）或出件（送达方式），由流程图上的属性标明"""
    return engine().window.task_role(engine().tasks.get(task_id, g.actor))


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/labels", methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, LabelsSchema)
@blp.alt_response(404, schema=ErrorSchema)
def case_labels(case_id):
    """办件数据的中文名称和选项文字（取自办件所用流程版本的表单）"""
    case = engine().runtime.get(case_id, g.actor)
    return {"labels": engine().window.labels(case.definition_id)}


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/forms/<string(maxlength=200):key>", methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, FormSchemaSchema)
@blp.alt_response(404, schema=ErrorSchema)
def case_form(case_id, key):
    """办件所用流程版本中的一个表单（如登记补正材料的表单），供页面用 form-js 显示"""
    case = engine().runtime.get(case_id, g.actor)
    schema = engine().window.forms(case.definition_id).get(key)
    if schema is None:
        raise NotFound("该办件没有这个表单", details={"key": key})
    return {"key": key, "schema": schema}


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/notices", methods=["GET"])
@auth.requires(*READERS)
@blp.response(200, NoticeListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_notices(case_id):
    """办件已出具的文书（编号、内容、出具人），按出具先后"""
    engine().runtime.get(case_id, g.actor)
    return {"items": _named(engine().window.notices(case_id))}


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/notices", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(NoticeCreateSchema)
@blp.response(201, NoticeSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="办件的受理决定与文书不符")
def issue_notice(body, case_id):
    """出具文书（受理通知书、容缺受理告知书、不予受理决定书、补正告知书）：编号并记入留痕；重复打印返回同一份"""
    engine().runtime.get(case_id, g.actor)
    return _named([engine().window.issue_notice(case_id, body["kind"], g.actor)])[0], 201


def _named(notices):
    names = engine().organisation.names({n["issued_by"] for n in notices})
    return [{**n, "issued_by_name": (names.get(n["issued_by"]) or {}).get("name")} for n in notices]
