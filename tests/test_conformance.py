"""The OMG BPMN MIWG reference models: each deploys, or is refused with a clear reason.

Descriptive models (A.*, B.*, most of C.*) are not executable; executable ones
that need elements the engine cannot run (service tasks without an operator,
data stores) must be refused by name, never crash the deployment.
"""
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import DefinitionInvalid
from engine.repository import lint

MIWG = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "miwg"
MODELS = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []
RUNS = {"C.9.1.bpmn"}

pytestmark = pytest.mark.skipif(not MODELS, reason="MIWG corpus (shared/corpus/miwg) not beside the repo")


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_reference_model_deploys_or_is_refused_clearly(engine, path):
    try:
        results = engine.repository.deploy([(path.name, path.read_bytes())])
    except DefinitionInvalid as exc:
        assert path.name not in RUNS, exc.message
        assert exc.message and exc.details is None or isinstance(exc.details, dict)
        return
    assert path.name in RUNS
    key = next(r.key for r in results if r.kind == "bpmn")
    case = engine.runtime.start(key, {"kind": "person", "id_number": "11010519491231002X", "name": "王五"})
    assert case.status in ("running", "completed")
    assert engine.history.trail(case.id)[0].type == "case_started"


EXECUTABLE = [p for p in MODELS if any(
    proc.get("isExecutable", "true").lower() != "false"
    for proc in etree.parse(str(p)).getroot().iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"))]


def _element_ids(path):
    return {n.get("id") for n in etree.parse(str(path)).getroot().iter() if isinstance(n.tag, str) and n.get("id")}


@pytest.mark.parametrize("path", EXECUTABLE, ids=lambda p: p.name)
def test_an_executable_model_is_refused_by_naming_the_element(engine, path):
    """Parse, or say precisely which element is unsupported: its id in the message and in the details,
    in Chinese (no parser English such as "was not found" or "has no implementation")."""
    try:
        engine.repository.deploy([(path.name, path.read_bytes())])
        return
    except DefinitionInvalid as exc:
        error = exc
    ids = _element_ids(path)
    details = error.details or {}
    named = {p.get("element") or p.get("element_id") for p in details.get("problems", [])} | \
        {key.split(":")[0] for key in details.get("expressions", {})}
    assert named and named <= ids, (error.message, details)
    assert any(i in error.message for i in named), error.message
    assert not any(word in error.message for word in ("was not found", "has no implementation", "Traceback"))
    # The check endpoint's lint names the same elements.
    problems = lint.lint([(path.name, path.read_bytes())])
    assert named & {p["element_id"] for p in lint.errors(problems)}, problems


def test_a_caller_and_the_called_process_deploy_together(engine):
    pair = [MIWG / "C.9.1.bpmn", MIWG / "C.9.2.bpmn"]
    results = engine.repository.deploy([(p.name, p.read_bytes()) for p in pair])
    assert {r.key for r in results if r.kind == "bpmn"} == {"requestDocument_en", "ManualCheck"}
