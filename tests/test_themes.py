"""一件事 themes: checked when deployed, with every problem named (#10b)."""
import json

import pytest

from engine import Actor
from engine.errors import DefinitionInvalid

from .conftest import ROOT

GOOD = {"key": "t1", "name": "测试一件事", "form": "graduate_talent_application",
        "matters": [{"process": "graduate_settlement", "fields": ["degree", "age", "graduation_year", "school",
                                                                  "has_employer"]},
                    {"process": "no_criminal_record", "fields": {"certificate_purpose": "purpose_note"}}]}


def deploy(engine, body, name=None):
    return engine.applicants.deploy_themes([(name or f"{body.get('key')}.json", json.dumps(body, ensure_ascii=False))])


def problems(engine, body, name=None):
    with pytest.raises(DefinitionInvalid) as error:
        deploy(engine, body, name)
    return error.value.message, error.value.details


def test_the_sample_themes_deploy(deployed):
    rows = deployed.applicants.deploy_theme_paths([ROOT / "processes" / "themes"])
    assert {r.key for r in rows} >= {"graduate_talent", "open_restaurant"}
    listed = {t["key"]: t for t in deployed.applicants.themes()}
    assert [m["name"] for m in listed["open_restaurant"]["matters"]] == ["食品经营许可", "无犯罪记录证明"]


def test_shape_problems_are_named(deployed):
    message, details = problems(deployed, {"key": "t1", "name": "", "matters": [{"process": "x"}]})
    assert message == "一件事主题内容不合法"
    assert details["name"] and details["matters"] == "一件事应包含 2–20 个事项"
    _, details = problems(deployed, GOOD, name="other.json")
    assert details["key"] == "主题标识“t1”应与文件名“other”一致"
    _, details = problems(deployed, {**GOOD, "matters": [GOOD["matters"][0], GOOD["matters"][0]]})
    assert details["matters[1]"] == "事项 graduate_settlement 重复"
    _, details = problems(deployed, {**GOOD, "matters": [{"process": "no_criminal_record", "fields": [1]},
                                                         GOOD["matters"][0]]})
    assert "fields" in details["matters[0].fields"]
    with pytest.raises(DefinitionInvalid) as error:
        deployed.applicants.deploy_themes([("t1.json", "{not json")])
    assert error.value.message == "一件事主题文件不是合法的 JSON"


def test_references_are_checked_against_what_is_deployed(deployed):
    body = {**GOOD, "form": "no_such_form",
            "matters": [{"process": "nope", "fields": []},
                        {"process": "graduate_settlement", "fields": ["degree", "shoe_size"]}]}
    message, details = problems(deployed, body)
    assert message == "一件事主题引用的表单或事项有误"
    assert details["form"] == "表单 no_such_form 尚未部署"
    assert details["matters[0]"] == "事项 nope 不在事项目录中"
    assert details["matters[1].fields"] == "事项 graduate_settlement 的申请表单中没有这些字段：shoe_size"
    _, details = problems(deployed, {**GOOD, "matters": [GOOD["matters"][0],
                                                         {"process": "no_criminal_record", "fields": ["x_field"]}]})
    assert details["matters[1].fields"] == "主题表单中没有这些字段：x_field"
    assert deployed.applicants.themes() == []      # nothing of a refused batch is kept


def test_a_theme_application_is_one_unit_of_work(deployed):
    deploy(deployed, GOOD)
    portal = Actor("portal", "integrator")
    person = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
    data = {"degree": "本科", "age": 22, "graduation_year": 2026, "school": "深圳大学", "has_employer": False,
            "certificate_purpose": "落户"}
    application, cases = deployed.applicants.submit(portal, "theme:t1", person, data)
    assert [c.application_id for c in cases] == [application.id] * 2
    assert {c.channel for c in cases} == {"online"}
    siblings = deployed.applicants.siblings(cases[1])
    assert [c["process"] for c in siblings["cases"]] == ["graduate_settlement", "no_criminal_record"]


def test_a_matter_refusing_its_part_starts_none_of_them(deployed):
    from engine.errors import FormInvalid

    deploy(deployed, {"key": "t2", "name": "无表单主题",
                      "matters": [{"process": "no_criminal_record", "fields": ["purpose_note"]},
                                  {"process": "graduate_settlement", "fields": ["degree"]}]})
    person = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
    with pytest.raises(FormInvalid) as error:
        deployed.applicants.submit(Actor("portal", "integrator"), "theme:t2", person,
                                   {"purpose_note": "出国", "degree": "本科"})
    assert error.value.details["matter"] == "graduate_settlement" and "age" in error.value.details
    assert deployed.runtime.count() == 0
