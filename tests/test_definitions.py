"""Repository: deploy, version, reject bad files, keep running cases on their version."""
import pytest
import sqlalchemy as sa

from engine.errors import DefinitionInvalid
from engine.models import Case, Definition

from .conftest import ROOT

PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}

SIMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="simple" name="{name}" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="窗口"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>a</bpmn:flowNodeRef>{extra_ref}<bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="a" name="受理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    {extra}
    <bpmn:endEvent id="e"><bpmn:incoming>{last}</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    {flows}
  </bpmn:process>
</bpmn:definitions>"""


def simple(name="简单事项", with_review=False):
    if with_review:
        return SIMPLE.format(
            name=name, extra_ref="<bpmn:flowNodeRef>r</bpmn:flowNodeRef>", last="f3",
            extra='<bpmn:userTask id="r" name="审查"><bpmn:incoming>f2</bpmn:incoming>'
                  '<bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>',
            flows='<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="r"/>'
                  '<bpmn:sequenceFlow id="f3" sourceRef="r" targetRef="e"/>')
    return SIMPLE.format(name=name, extra_ref="", extra="", last="f2",
                         flows='<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>')


def count(engine, model):
    with engine.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_versions_follow_content(engine):
    [first] = engine.repository.deploy([("simple.bpmn", simple())])
    assert (first.key, first.version, first.created) == ("simple", 1, True)
    [again] = engine.repository.deploy([("simple.bpmn", simple())])
    assert (again.version, again.created) == (1, False)
    [changed] = engine.repository.deploy([("simple.bpmn", simple(with_review=True))])
    assert (changed.version, changed.created) == (2, True)
    assert count(engine, Definition) == 2


def test_running_cases_stay_on_their_version(engine):
    engine.repository.deploy([("simple.bpmn", simple())])
    old = engine.runtime.start("simple", PERSON)
    engine.repository.deploy([("simple.bpmn", simple(with_review=True))])
    new = engine.runtime.start("simple", PERSON)
    admin = __import__("engine").Actor("a", "admin")
    engine.tasks.complete(engine.tasks.for_case(old.id)[0].id, admin, {})
    engine.tasks.complete(engine.tasks.for_case(new.id)[0].id, admin, {})
    with engine.db.read() as s:
        assert s.get(Case, old.id).status == "completed"          # v1: accept → end
        assert s.get(Case, new.id).status == "running"            # v2: accept → review
    assert [t.element_id for t in engine.tasks.for_case(new.id)] == ["r"]


def test_a_new_rule_table_re_versions_the_processes_that_call_it(engine):
    engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"])
    dmn = (ROOT / "processes" / "graduate_settlement.dmn").read_text()
    changed = dmn.replace("</decisionTable>", "</decisionTable>".replace("</", "</"), 1).replace(
        "<description>", "<description>修订：", 1)
    assert changed != dmn
    results = {(r.kind, r.key): r for r in engine.repository.deploy([("graduate_settlement.dmn", changed)])}
    assert results[("dmn", "graduate_settlement_rules")].version == 2
    assert results[("bpmn", "graduate_settlement")].version == 2
    latest = engine.repository.list("bpmn")
    uses = next(d for d in latest if d.key == "graduate_settlement").uses
    assert uses[0]["key"] == "graduate_settlement_rules" and uses[0]["version"] == 2


@pytest.mark.parametrize("text, fragment", [
    ("", "空"),
    ("<bpmn:definitions", "XML"),
    ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
     '<d xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</d>', "DOCTYPE"),
    ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
     '<definitions>&b;</definitions>', "DOCTYPE"),
    (simple().replace('<bpmn:endEvent id="e">', '<bpmn:endEvent id="e" bogus="1">'), ""),
    (simple().replace('targetRef="e"', 'targetRef="nowhere"'), ""),
])
def test_bad_files_are_refused_with_a_clear_error_and_nothing_stored(engine, text, fragment):
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("bad.bpmn", text)])
    assert fragment in err.value.message + str(err.value.details)
    assert count(engine, Definition) == 0


def test_oversize_and_unknown_files_are_refused(engine):
    with pytest.raises(DefinitionInvalid):
        engine.repository.deploy([("huge.bpmn", "<a>" + "x" * (6 * 1024 * 1024) + "</a>")])
    with pytest.raises(DefinitionInvalid):
        engine.repository.deploy([("notes.txt", "hello")])


def test_a_process_needs_its_rule_and_forms(engine):
    bpmn = (ROOT / "processes" / "graduate_settlement.bpmn").read_text()
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("graduate_settlement.bpmn", bpmn)])
    assert "graduate_settlement_rules" in str(err.value.details) or "graduate_settlement_" in str(err.value.details)
    assert count(engine, Definition) == 0


def test_one_bad_file_in_a_batch_stores_nothing(engine):
    with pytest.raises(DefinitionInvalid):
        engine.repository.deploy([("simple.bpmn", simple()), ("broken.form", "{not json")])
    assert count(engine, Definition) == 0
