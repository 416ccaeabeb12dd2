"""The one place where SpiffWorkflow is configured: parser, serializer, sandbox.

Everything else in the engine gets its parser, serializer and script engine
from here, so that the defect fixes, the restricted environment and the
engine clock can never be forgotten on some path.
"""
import datetime
import decimal

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from . import dmn_rows, fixes as spiff_fixes, scripting, timers

spiff_fixes.install()
timers.install_clock()
dmn_rows.install()


class Parser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES, **spiff_fixes.PARSER_CLASSES}


def new_parser():
    """A fresh parser per deployment: SpiffWorkflow refuses a process id twice."""
    return Parser(validator=VALIDATOR)


def _make_serializer():
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    spiff_fixes.register_converters(registry)
    # Task data may hold dates and decimals from forms and rules.
    registry.register(datetime.date, lambda v: {"value": v.isoformat()},
                      lambda d: datetime.date.fromisoformat(d["value"]))
    registry.register(decimal.Decimal, lambda v: {"value": str(v)}, lambda d: decimal.Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


serializer = _make_serializer()
Workflow = spiff_fixes.Workflow


def script_engine():
    """The sandboxed engine; re-attached on every load because Spiff does not persist it."""
    return scripting.make_script_engine()


def spec_to_dict(spec, subprocess_specs):
    return {
        "spec": serializer.registry.convert(spec),
        "subprocess_specs": {name: serializer.registry.convert(s) for name, s in subprocess_specs.items()},
    }


def specs_from_dict(dct):
    spec = serializer.registry.restore(dct["spec"])
    subprocess_specs = {name: serializer.registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


def new_workflow(spec, subprocess_specs):
    return Workflow(spec, subprocess_specs, script_engine=script_engine())


def dump_state(wf):
    """The runtime state of a workflow without its spec (stored once per version)."""
    dct = serializer.to_dict(wf)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    return dct


def load_state(state, version, spec, subprocess_specs):
    dct = dict(state)
    if version != serializer.VERSION:
        dct[serializer.VERSION_KEY] = version
        dct["spec"], dct["subprocess_specs"] = {}, {}
        serializer.migrate(dct)
    # The registry passes objects through untouched, so cached specs are reused as they are.
    dct["spec"] = spec
    dct["subprocess_specs"] = subprocess_specs
    wf = serializer.from_dict(dct)
    wf.script_engine = script_engine()
    return wf
