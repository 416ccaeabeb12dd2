"""The OMG BPMN MIWG reference models: each deploys, or is refused with a clear reason.

Descriptive models (A.*, B.*, most of C.*) are not executable; executable ones
that need elements the engine cannot run (service tasks without an operator,
data stores) must be refused by name, never crash the deployment.
"""
from pathlib import Path

import pytest

from engine.errors import DefinitionInvalid

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
