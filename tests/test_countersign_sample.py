"""The 会签 / 或签 / 依次 sample of docs/modeling.md runs as documented."""
from engine import Actor
from engine.models import Case

from .conftest import ROOT

ADMIN = Actor("admin", "admin")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}


def open_tasks(engine, case_id):
    return engine.tasks.for_case(case_id)


def test_countersign_any_sign_and_in_turn(engine):
    engine.repository.deploy_paths([ROOT / "docs" / "samples" / "countersign.bpmn"])
    case = engine.runtime.start("countersign_sample", PERSON)
    [accept] = open_tasks(engine, case.id)
    engine.tasks.complete(accept.id, ADMIN, {"reviewers": ["市场", "消防", "卫生"], "leaders": ["科长", "局长"]})
    all_sign = open_tasks(engine, case.id)
    assert [t.name for t in all_sign] == ["会签"] * 3  # 会签: all three at once
    for n, task in enumerate(all_sign):
        engine.tasks.complete(task.id, ADMIN, {"opinion": f"同意{n}"})
    any_sign = open_tasks(engine, case.id)
    assert [t.name for t in any_sign] == ["或签"] * 3
    engine.tasks.complete(any_sign[1].id, ADMIN, {})  # 或签: the first signature decides
    [first] = open_tasks(engine, case.id)
    assert first.name == "依次审批"  # 依次: one at a time
    engine.tasks.complete(first.id, ADMIN, {"approval": "科长同意"})
    [second] = open_tasks(engine, case.id)
    assert second.name == "依次审批" and second.id != first.id
    engine.tasks.complete(second.id, ADMIN, {"approval": "局长同意"})
    with engine.db.read() as s:
        done = s.get(Case, case.id)
    assert done.status == "completed"
    assert sorted(done.data["opinions"]) == ["同意0", "同意1", "同意2"]
    assert done.data["approvals"] == ["科长同意", "局长同意"]
