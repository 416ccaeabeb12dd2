"""收件: who may register a walk-in application, and what the clerk saw of its materials.

A clerk may take in an application for a matter when they belong to the group its start
event's lane names, or to a window group the server is configured with
(``TONGBAN_WINDOW_GROUPS``, comma-separated: a 综合受理窗口 taking in every matter).
"""
import os

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.errors import Forbidden, InvalidInput

from .rules import materials_of

RECEIVED = {"original": "已核验原件", "upload": "已上传", "copy": "已收复印件"}


def window_groups():
    return {g.strip() for g in os.environ.get("TONGBAN_WINDOW_GROUPS", "").split(",") if g.strip()}


def start_lanes(spec):
    return {s.lane for s in spec.task_specs.values() if isinstance(s, StartEvent) and s.lane}


def may_take_in(actor, spec):
    return bool(set(actor.groups) & (start_lanes(spec) | window_groups()))


def check_clerk(actor, spec, process_key):
    if not may_take_in(actor, spec):
        raise Forbidden("您不是该事项的收件窗口人员", details={"process": process_key,
                                                      "groups": sorted(start_lanes(spec) | window_groups())})


def check_materials(session, process_key, received):
    """{material name: how it was received} for the matter's catalogue materials."""
    if received is None:
        return None
    if not isinstance(received, dict):
        raise InvalidInput("收件材料格式不正确", details={"materials": "应为 {材料名称: original|upload|copy}"})
    names = {m.get("name") for m in materials_of(session, process_key)}
    errors = {f"materials.{k}": "不是本事项的材料" for k in received if k not in names}
    errors.update({f"materials.{k}": "应为 original、upload 或 copy" for k, v in received.items()
                   if k in names and v not in RECEIVED})
    if errors:
        raise InvalidInput("收件材料不正确", details=errors)
    return dict(received)
