"""Hardened parsing of uploaded BPMN/DMN files."""
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.errors import DefinitionInvalid
from engine.spiff.scripting import make_script_engine
from engine.repository.xmlsafe import parse_xml

HOSTILE = Path(__file__).parent / "diagrams" / "hostile"
SCRIPT_BPMN = (HOSTILE / "script_task.bpmn").read_text(encoding="utf-8")
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def refused(data, **kwargs):
    with pytest.raises(DefinitionInvalid) as caught:
        parse_xml(data, **kwargs)
    error = caught.value
    assert error.code == "definition_invalid" and error.details
    return error


def with_doctype(doctype, script="leak = &xxe;"):
    body = SCRIPT_BPMN.split("\n", 1)[1].replace("SCRIPT_TEXT", script)
    return (HEADER + doctype + "\n" + body).encode("utf-8")


def test_xxe_file_entity_is_refused_and_does_not_leak():
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    data = with_doctype('<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>')
    error = refused(data)
    assert "DOCTYPE" in error.message
    assert hostname not in error.message and hostname not in str(error.details)


def test_billion_laughs_is_refused():
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    data = with_doctype("<!DOCTYPE d [" + "".join(entities) + "]>", script="x = '&lol9;'")
    refused(data)


def test_doctype_without_entities_is_refused():
    error = refused(with_doctype('<!DOCTYPE definitions SYSTEM "http://example.com/bpmn.dtd">', script="x = 1"))
    assert "DOCTYPE" in error.message


def test_utf16_doctype_does_not_slip_through():
    text = with_doctype('<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>').decode()
    refused(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"))


def test_truncated_file_reports_the_line():
    data = SCRIPT_BPMN.replace("SCRIPT_TEXT", "x = 1").encode("utf-8")
    error = refused(data[: len(data) // 2])
    assert "第" in error.message and "行" in error.message
    assert error.details.startswith("line ")


def test_oversize_is_refused_before_parsing():
    data = SCRIPT_BPMN.replace("SCRIPT_TEXT", "x = 1" + " " * 2000).encode("utf-8")
    error = refused(data, max_bytes=1000)
    assert "过大" in error.message


@pytest.mark.parametrize("data", [b"", b"   \n", ""])
def test_empty_input_is_refused(data):
    assert "为空" in refused(data).message


def test_non_utf8_garbage_is_refused():
    assert "UTF-8" in refused(b"\xff\xfe\x00garbage\x80\x81").message
    assert "UTF-8" in refused("<a>中文</a>".encode("gbk")).message


def test_what_names_the_file_kind():
    assert refused(b"", what="DMN").message.startswith("DMN")


def test_parsed_tree_feeds_spiffworkflow_parsers():
    bpmn = parse_xml(SCRIPT_BPMN.replace("SCRIPT_TEXT", "x = sum([1, 2])"))
    dmn = parse_xml((HOSTILE / "dmn_import.dmn").read_bytes().replace(b"INPUT_TEXT", b"amount"), what="DMN")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(bpmn, filename="script_task.bpmn")
    # Spiff's DMN side reads node.nsmap, which only elements have: hand it the root.
    with pytest.raises(AttributeError):
        parser.add_dmn_xml(dmn, filename="dmn_import.dmn")
    parser.add_dmn_xml(dmn.getroot(), filename="dmn_import.dmn")
    wf = BpmnWorkflow(parser.get_spec("script_task"), script_engine=make_script_engine())
    wf.do_engine_steps()
    assert wf.completed and wf.last_task.data["x"] == 3
    assert "rule_import" in parser.dmn_parsers


def test_str_input_with_chinese_text_is_accepted():
    tree = parse_xml(SCRIPT_BPMN.replace("SCRIPT_TEXT", "note = '容缺受理'"))
    assert "容缺受理" in tree.getroot().xpath("string(//*[local-name()='script'])")
