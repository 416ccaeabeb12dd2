"""The full guide (办事指南) in processes/<key>.matter.json: checked at deploy, field by field."""
import json

import pytest

from engine.errors import DefinitionInvalid
from engine.repository import guide

from .conftest import ROOT

SAMPLES = sorted(ROOT.joinpath("processes").glob("*.matter.json"))


def sample(name="food_business_license"):
    return json.loads(ROOT.joinpath("processes", f"{name}.matter.json").read_text(encoding="utf-8"))


def deploy(engine, entry):
    return engine.repository.deploy([("x.matter.json", json.dumps(entry, ensure_ascii=False).encode())], "test")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_guide_is_complete(path):
    entry = json.loads(path.read_text(encoding="utf-8"))
    assert guide.problems(entry) == {}
    # The sample matters carry the whole guide, not just the fields a test diagram needs.
    for key in guide.FIELDS:
        assert key in entry, f"{path.name} lacks {key}"
    for material in entry["materials"]:
        assert {"name", "category", "source", "copies", "form"} <= set(material)


@pytest.mark.parametrize("change, field, words", [
    (lambda e: e.update(kind="行政审批"), "kind", "事项类型"),
    (lambda e: e.update(level="街道"), "level", "行使层级"),
    (lambda e: e.update(promised_limit_days=30), "promised_limit_days", "承诺时限"),
    (lambda e: e.update(legal_limit_days="二十天"), "legal_limit_days", "法定时限"),
    (lambda e: e.update(base_code="abc"), "base_code", "基本编码"),
    (lambda e: e.update(implementation_code="11440300MB2C876148000110021000001"), "implementation_code",
     "统一社会信用代码"),
    (lambda e: e.update(implementation_code="11440300MB2C876147000999999000001"), "implementation_code", "基本编码"),
    (lambda e: e.update(instant="是"), "instant", "即办件"),
    (lambda e: e.update(channels="窗口"), "channels", "办理形式"),
    (lambda e: e["materials"][1].update(copies=-1), "materials[1].copies", "份数"),
    (lambda e: e["materials"][2].update(category="main"), "materials[2].category", "材料类别"),
    (lambda e: e["materials"][0].update(commitment="yes"), "materials[0].commitment", "告知承诺"),
    (lambda e: e["materials"][0].update(licence_type=""), "materials[0].licence_type", "电子证照"),
    (lambda e: e["materials"][3].pop("name"), "materials[3].name", "材料名称"),
    (lambda e: e["materials"].append(dict(e["materials"][0])), "materials[7].name", "重复"),
])
def test_a_bad_field_is_refused_by_name(engine, change, field, words):
    entry = sample()
    change(entry)
    with pytest.raises(DefinitionInvalid) as caught:
        deploy(engine, entry)
    assert field in caught.value.details and words in caught.value.details[field]
    assert words in caught.value.message or field in caught.value.details  # the first problem leads the message
    assert engine.repository.matters() == []  # nothing stored


def test_several_problems_are_reported_together(engine):
    entry = sample()
    entry.update(kind="审批", online="yes")
    del entry["materials"][0]["category"]
    with pytest.raises(DefinitionInvalid) as caught:
        deploy(engine, entry)
    assert {"kind", "online", "materials[0].category"} <= set(caught.value.details)


def test_matter_types_are_data(engine, tmp_path, monkeypatch):
    table = tmp_path / "types.json"
    table.write_text(json.dumps({"types": [{"code": "XK", "name": "许可"}]}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("TONGBAN_MATTER_TYPES", str(table))
    entry = sample()
    with pytest.raises(DefinitionInvalid) as caught:
        deploy(engine, entry)
    assert "许可" in caught.value.details["kind"]
    entry["kind"] = "许可"
    deploy(engine, entry)
    assert engine.repository.matter(entry["implementation_code"]).guide["kind"] == "许可"


def test_a_minimal_entry_still_deploys(engine):
    """Test diagrams need no guide: process and name suffice; anything given must be right."""
    deploy(engine, {"process": "p", "name": "某事项"})
    assert engine.repository.matter("p").name == "某事项"
