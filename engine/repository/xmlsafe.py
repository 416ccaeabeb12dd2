"""Hardened parsing of uploaded BPMN and DMN files.

SpiffWorkflow parses with lxml's defaults. Uploads are parsed here instead:
no DTD at all (so no external entities, no entity expansion, no billion
laughs), no network, no huge trees, a size cap, and errors a clerk can read.
The returned tree goes to ``parser.add_bpmn_xml(tree, filename=...)`` or
``parser.add_dmn_xml(tree.getroot(), filename=...)`` (the DMN side reads
``node.nsmap``, which only elements have).
"""
from lxml import etree

from engine.errors import DefinitionInvalid

MAX_BYTES = 5 * 1024 * 1024


def _parser():
    # A fresh parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, dtd_validation=False)


def _refuse(message, details):
    raise DefinitionInvalid(message, details=details)


def parse_xml(data, what="BPMN", max_bytes=MAX_BYTES):
    """Parse an uploaded XML document; raise DefinitionInvalid for anything unsafe or broken."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        _refuse(f"{what} 文件为空", "empty input")
    if len(data) > max_bytes:
        _refuse(f"{what} 文件过大（上限 {max_bytes // 1024} KB）",
                f"input is {len(data)} bytes, limit is {max_bytes}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse(f"{what} 文件不是 UTF-8 编码的文本", f"not UTF-8: {exc}")
    if b"\x00" in data:   # UTF-16/32 would slip past the byte checks below
        _refuse(f"{what} 文件不是 UTF-8 编码的文本", "input contains NUL bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        _refuse(f"{what} 文件包含 DOCTYPE 声明，出于安全原因不予接受",
                "DOCTYPE and entity declarations are refused (XXE, entity expansion)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        _refuse(f"{what} 文件不是格式正确的 XML（第 {line} 行）", f"line {line}: {exc.msg}")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        _refuse(f"{what} 文件包含 DOCTYPE 声明，出于安全原因不予接受", "DOCTYPE found after parsing")
    return tree
