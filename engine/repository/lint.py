"""Lint: what an analyst should hear about a diagram before it can hurt a running service.

``lint(files, known)`` reads an upload (BPMN, DMN, forms, catalogue) and returns
problems, each ``{"severity", "code", "file", "element_id", "element_name",
"message"}`` with a Chinese message. Errors block a deployment (the repository
raises ``LintFailed`` with the whole list); warnings are reported and allowed.

Rules (code: severity):

* ``unsupported``, ``invalid``: what deployment refuses anyway (vendor code,
  sandbox-refused scripts, unparsable files), named per element;
* ``no_start`` / ``no_outgoing`` / ``no_path_to_end``: errors — every path ends;
  ``no_incoming``: warning — a node nothing leads to never runs;
* ``no_lane``: a user task outside every lane and without candidate group or
  assignee is open to every clerk — an error where the process draws lanes,
  a warning where it draws none;
* ``unknown_variable``: a condition reads a variable no earlier form field,
  message, rule output, script or start form provides — an error, or a
  warning where an earlier step without a form (or start data without a start
  form) could provide anything, unless the name is a near-miss of one that is
  provided (``decison`` beside ``decision``: a typo, so an error);
* ``timer_invalid``: a timer that does not parse (ISO 8601, working days
  ``P5WD``, or a sandbox expression);
* ``missing_form`` / ``missing_decision``: a reference to a form or DMN decision
  neither deployed nor in the upload; ``missing_process``: a call activity whose
  process is not in the upload (deployment parses callers and called together);
* ``no_deadline``: a 容缺/补正 wait (a receive task or message catch whose name
  or message names a supplement: 补正, 后补, 容缺, supplement …) without a
  boundary timer, a timer behind the same event-based gateway or a
  ``timeLimit`` property.

``fetch(kind, key)`` returns the source of the newest deployed definition or
None (the upload is linted against what is deployed beside it).
"""
import ast
import builtins
import copy
import difflib
import json
import re
from pathlib import Path

from lxml import etree

from engine.errors import DefinitionInvalid
from engine.spiff import calendar_functions, scripting, timers
from engine.window import rules as window_rules

from . import dialects, xmlsafe
from .forms import IDENTIFIER

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_TAG_END = "}decision"
ERROR, WARNING = "error", "warning"

FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
}
SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
# Steps after which the case data may hold anything: the linter cannot say which variables they set.
OPEN_ENDED = {"task", "manualTask", "callActivity", "serviceTask"}
SUPPLEMENT_WORDS = ("补正", "补齐", "补交", "补充材料", "后补", "容缺", "supplement", "correction")
# Names every expression may read that are not case data.
ENGINE_DATA = {"case_number", "applicant", "defined"}
NOT_DATA = set(scripting.SAFE_BUILTINS) | set(calendar_functions.FUNCTIONS) | {scripting.HELPERS} | ENGINE_DATA


def _b(tag):
    return f"{{{BPMN_NS}}}{tag}"


def _local(node):
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _in_bpmn(node):
    return isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}")


def _properties(node):
    return {p.get("name"): p.get("value") for p in node.findall(
        f"{_b('extensionElements')}/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property") if p.get("name")}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, severity, code, file, message, node=None, element_id=None, element_name=None):
        if node is not None:
            element_id = element_id or node.get("id")
            element_name = element_name or node.get("name")
        item = {"severity": severity, "code": code, "file": file, "element_id": element_id,
                "element_name": element_name or None, "message": message}
        if item not in self.items:
            self.items.append(item)


def _who(node):
    name = (node.get("name") or "").strip()
    return f"「{name}」" if name else f"环节 {node.get('id')}"


# ---------------------------------------------------------------- the upload


class _Upload:
    """The files of one upload, each parsed once (a file that does not parse is a problem)."""

    def __init__(self, files, problems):
        from .service import MAX_FILE_BYTES, kind_of  # the repository imports this module
        from .forms import Form

        self.bpmn, self.dmn, self.forms, self.decisions = [], [], {}, {}
        for filename, data in files:
            try:
                kind = kind_of(filename)
                text = data.decode("utf-8") if isinstance(data, bytes) else data
                if len(text.encode("utf-8")) > MAX_FILE_BYTES:
                    raise DefinitionInvalid("文件过大")
                if kind == "form":
                    form = Form.parse(text, key_hint=Path(filename).stem)
                    self.forms[form.key] = [f.key for f in form.fields]
                elif kind == "matter":
                    json.loads(text)
                elif kind in ("bpmn", "dmn"):
                    tree = xmlsafe.parse_xml(text.encode("utf-8"), what=kind.upper(), max_bytes=MAX_FILE_BYTES)
                    (self.bpmn if kind == "bpmn" else self.dmn).append((filename, tree.getroot()))
            except UnicodeDecodeError:
                problems.add(ERROR, "invalid", filename, "文件不是 UTF-8 编码")
            except (DefinitionInvalid, ValueError, RecursionError) as exc:
                problems.add(ERROR, "invalid", filename, _message(exc))
        for filename, root in self.dmn:
            work = copy.deepcopy(root)
            try:
                dialects.normalize_dmn(work, filename)
            except DefinitionInvalid as exc:
                _refusals(exc, filename, problems)
            for decision in root.iter():
                if isinstance(decision.tag, str) and decision.tag.endswith(DMN_TAG_END) and decision.get("id"):
                    outputs = [o.get("name") for o in decision.iter() if _local(o) == "output" and o.get("name")]
                    self.decisions[decision.get("id")] = outputs

    def add_deployed_dmn(self, did, text):
        try:
            root = xmlsafe.parse_xml(text.encode("utf-8"), what="DMN").getroot()
        except DefinitionInvalid:
            return
        self.dmn.append((f"{did}.dmn", root))
        for decision in root.iter():
            if isinstance(decision.tag, str) and decision.tag.endswith(DMN_TAG_END) and decision.get("id"):
                self.decisions[decision.get("id")] = [o.get("name") for o in decision.iter()
                                                      if _local(o) == "output" and o.get("name")]


def _message(exc):
    if isinstance(exc, DefinitionInvalid):
        return str(exc.message if hasattr(exc, "message") else exc)
    return f"文件内容不合法：{str(exc)[:200]}"


def _refusals(exc, filename, problems):
    """One problem per element a dialect check refused (they are listed in ``details``)."""
    details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    items = details.get("problems") or []
    for item in items:
        name = item.get("name") or None
        where = f"「{name}」" if name else f"{item.get('type', '元素')} {item.get('element')}"
        message = f"{where}{item.get('reason', '')}" + (f"：{item['instead']}" if item.get("instead") else "")
        problems.add(ERROR, "unsupported", filename, message, element_id=item.get("element"), element_name=name)
    if not items:
        problems.add(ERROR, "invalid", filename, _message(exc))


# ---------------------------------------------------------------- one process


class _Graph:
    """Flow nodes and sequence flows of one process, subprocesses included."""

    def __init__(self, process):
        self.nodes = {}           # id -> element
        self.scope = {}           # id -> enclosing scope element
        self.out, self.into = {}, {}
        self.flows = []
        for node in process.iter():
            if not _in_bpmn(node):
                continue
            tag = _local(node)
            if tag in FLOW_NODES and node.get("id"):
                self.nodes[node.get("id")] = node
                self.scope[node.get("id")] = next(a for a in node.iterancestors() if _local(a) in SCOPES)
            elif tag == "sequenceFlow":
                self.flows.append(node)
        for flow in self.flows:
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            self.out.setdefault(source, []).append(flow)
            self.into.setdefault(target, []).append(flow)
        root = process.getroottree().getroot()
        self.messages = {m.get("id"): f"{m.get('id')} {m.get('name') or ''}" for m in root.iter(_b("message"))}
        self.boundary = {}        # activity id -> its boundary events
        for node in self.nodes.values():
            if _local(node) == "boundaryEvent":
                self.boundary.setdefault(node.get("attachedToRef"), []).append(node)

    def successors(self, nid):
        """Where a token can go next from ``nid`` (boundary events and a subprocess's inside included)."""
        nxt = [f.get("targetRef") for f in self.out.get(nid, [])]
        nxt += [b.get("id") for b in self.boundary.get(nid, [])]
        node = self.nodes.get(nid)
        if node is not None and _local(node) in SCOPES:
            nxt += [c.get("id") for c in node if _local(c) == "startEvent"]
        return [n for n in nxt if n in self.nodes]

    def predecessors(self, nid):
        prev = [f.get("sourceRef") for f in self.into.get(nid, [])]
        node = self.nodes.get(nid)
        if node is not None:
            if _local(node) == "boundaryEvent":
                prev.append(node.get("attachedToRef"))
            if _local(node) == "startEvent" and _local(self.scope[nid]) in SCOPES - {"process"}:
                prev.append(self.scope[nid].get("id"))
        return [p for p in prev if p in self.nodes]

    def is_event_subprocess(self, node):
        return _local(node) in SCOPES and node.get("triggeredByEvent") == "true"


def _needs_outgoing(graph, node):
    tag = _local(node)
    if tag == "endEvent" or graph.is_event_subprocess(node) or node.get("isForCompensation") == "true":
        return False
    if tag == "boundaryEvent" and node.find(_b("compensateEventDefinition")) is not None:
        return False
    if tag == "boundaryEvent" and node.get("cancelActivity", "true").strip().lower() == "false":
        return False   # a reminder beside the task (催办): firing it is all it does
    return True


def _check_paths(graph, filename, process, problems):
    nodes = graph.nodes
    if not any(_local(n) == "startEvent" and graph.scope[i] is process for i, n in nodes.items()):
        problems.add(ERROR, "no_start", filename, f"流程「{process.get('name') or process.get('id')}」没有开始事件",
                     node=process)
    sinks = set()
    for nid, node in nodes.items():
        if not graph.out.get(nid) and _needs_outgoing(graph, node):
            sinks.add(nid)
            problems.add(ERROR, "no_outgoing", filename, f"{_who(node)}没有出口连线：流程会停在这里", node=node)
        tag = _local(node)
        if not graph.into.get(nid) and tag not in ("startEvent", "boundaryEvent") \
                and not graph.is_event_subprocess(node) and node.get("isForCompensation") != "true":
            problems.add(WARNING, "no_incoming", filename, f"{_who(node)}没有进入连线：永远不会执行", node=node)
    # Every path ends: from each node an end event (or a reported dead end) can be reached.
    ends = {nid for nid, n in nodes.items() if _local(n) == "endEvent"
            or not graph.out.get(nid) and not _needs_outgoing(graph, n)} | sinks
    can_end = set(ends)
    changed = True
    while changed:
        changed = False
        for nid in nodes:
            if nid in can_end:
                continue
            node = nodes[nid]
            nxt = [f.get("targetRef") for f in graph.out.get(nid, [])]
            if _local(node) in SCOPES and not graph.is_event_subprocess(node):
                # A subprocess ends only when its inside does; then its outgoing flows go on.
                inner = [c.get("id") for c in node if _local(c) == "startEvent"]
                ok = (not inner or any(i in can_end for i in inner)) and any(n in can_end for n in nxt)
            elif graph.is_event_subprocess(node):
                ok = True
            else:
                ok = any(n in can_end for n in nxt) or any(b.get("id") in can_end for b in graph.boundary.get(nid, []))
            if ok:
                can_end.add(nid)
                changed = True
    for nid, node in nodes.items():
        if nid not in can_end and graph.into.get(nid) is not None:
            problems.add(ERROR, "no_path_to_end", filename, f"从{_who(node)}出发没有任何路径能到达结束事件（死循环或断头路）",
                         node=node)


def _check_lanes(graph, filename, process, problems):
    lanes = {ref.text.strip() for ref in process.iter(_b("flowNodeRef")) if ref.text}
    for nid, node in graph.nodes.items():
        if _local(node) != "userTask" or nid in lanes:
            continue
        props = _properties(node)
        if any(props.get(k) for k in dialects.ASSIGNMENT_PROPERTIES):
            continue
        if lanes:
            problems.add(ERROR, "no_lane", filename, f"{_who(node)}不在任何泳道中，也没有候选组或办理人：所有人员都能办理",
                         node=node)
        else:
            problems.add(WARNING, "no_lane", filename, f"{_who(node)}没有泳道、候选组或办理人：所有人员都能办理",
                         node=node)


def _has_deadline(graph, node):
    for boundary in graph.boundary.get(node.get("id"), []):
        if boundary.find(_b("timerEventDefinition")) is not None:
            return True
    if _properties(node).get("timeLimit"):
        return True
    # A catch event after an event-based gateway that also waits for a timer.
    for prev in graph.predecessors(node.get("id")):
        gateway = graph.nodes[prev]
        if _local(gateway) == "eventBasedGateway":
            for flow in graph.out.get(prev, []):
                other = graph.nodes.get(flow.get("targetRef"))
                if other is not None and other.find(_b("timerEventDefinition")) is not None:
                    return True
    return False


def _check_supplement_waits(graph, filename, problems):
    for node in graph.nodes.values():
        tag = _local(node)
        is_wait = tag == "receiveTask" or (tag == "intermediateCatchEvent" and node.find(_b("messageEventDefinition")) is not None)
        if not is_wait:
            continue
        message = graph.messages.get(node.get("messageRef") or next(
            (d.get("messageRef") for d in node.iter(_b("messageEventDefinition"))), None), "")
        words = f"{node.get('name') or ''} {message}".lower()
        if any(word in words for word in SUPPLEMENT_WORDS) and not _has_deadline(graph, node):
            problems.add(ERROR, "no_deadline", filename,
                         f"{_who(node)}是容缺/补正等待，但没有期限：请加边界定时器（如 P5WD）或 timeLimit 属性", node=node)


def _check_timers(root, filename, problems):
    for tag in timers.TIMER_TAGS:
        for node in root.iter(_b(tag)):
            text = (node.text or "").strip()
            owner = next((a for a in node.iterancestors() if _local(a) in FLOW_NODES), node)
            if not text:
                problems.add(ERROR, "timer_invalid", filename, f"{_who(owner)}的定时器没有取值", node=owner)
                continue
            if timers._WORKING_DAYS.fullmatch(text) or timers.is_iso_literal(text, tag):
                one = etree.Element(_b("timerEventDefinition"))
                etree.SubElement(one, _b(tag)).text = text
                try:
                    timers.normalize_timer_expressions(one)
                except DefinitionInvalid as exc:
                    problems.add(ERROR, "timer_invalid", filename, f"{_who(owner)}的定时器 {text}：{exc.message}", node=owner)
                continue
            # An attempted ISO literal (P…, R…/P…) that does not parse, or words no data key can be.
            names = _read_names(text)
            if re.fullmatch(r"(R\d*/)?P[0-9T][0-9A-Za-z.,:/+\-]*|[0-9PYMWDTHSRZ:.,+\-/]+", text) \
                    or any(not IDENTIFIER.fullmatch(n) for n in names - NOT_DATA):
                kind = {"timeDuration": "时长（如 PT2H、P3D、P5WD）", "timeDate": "日期时间（如 2026-05-01T09:00）",
                        "timeCycle": "重复周期（如 R3/PT24H）"}[tag]
                problems.add(ERROR, "timer_invalid", filename, f"{_who(owner)}的定时器 {text!r} 无法解析：应为{kind}",
                             node=owner)
                continue
            try:
                scripting.compile_script(text, "eval")
            except scripting.SANDBOX_ERRORS as exc:
                problems.add(ERROR, "timer_invalid", filename, f"{_who(owner)}的定时器 {text!r} 不是可用的表达式：{exc}",
                             node=owner)


# ---------------------------------------------------------------- variables


def _read_names(source, mode="eval"):
    """Free variables an expression or script reads (names it assigns first are its own)."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError):
        return set()
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.comprehension,)):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    bound.add(target.id)
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args)
        elif isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
    return read - bound


def _assigned_names(source):
    try:
        tree = ast.parse(source, mode="exec")
    except (SyntaxError, ValueError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _provides(node, upload, form_fields):
    """(names, open_ended): the variables a step sets; open_ended if it may set any."""
    tag = _local(node)
    names = set()
    for script in node.iter(_b("script"), f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
        names |= _assigned_names(script.text or "")
    props = _properties(node)
    form = props.get("formKey")
    names |= window_rules.provided_by(props)  # the front window's acceptance and delivery steps
    if tag in ("userTask", "startEvent"):
        if form:
            fields = upload.forms.get(form)
            if fields is None and form_fields is not None:
                fields = form_fields(form)
            if fields is None:
                return names, True
            names |= set(fields)
        elif tag == "userTask":
            return names, True
    if tag == "businessRuleTask":
        called = node.find(f".//{{{SPIFF_NS}}}calledDecisionId")
        did = (called.text or "").strip() if called is not None else ""
        if props.get("resultVariable"):
            names.add(props["resultVariable"])
        outputs = upload.decisions.get(did)
        if outputs is None:
            return names, True
        names |= set(outputs)
    message_var = node.find(f".//{{{SPIFF_NS}}}messageVariable")
    if message_var is not None and (message_var.text or "").strip():
        names.add(message_var.text.strip())
    elif tag == "receiveTask" or node.find(_b("messageEventDefinition")) is not None and tag.endswith("CatchEvent") \
            or tag == "boundaryEvent" and node.find(_b("messageEventDefinition")) is not None:
        return names, True   # a payload without a variable lands as it is
    if node.find(f".//{{{SPIFF_NS}}}messageVariable") is None and tag == "startEvent" and not form:
        return names, True   # start data without a start form: anything the caller sends
    for mi in node.iter(_b("multiInstanceLoopCharacteristics"), _b("standardLoopCharacteristics")):
        for item in mi.iter(_b("inputDataItem"), _b("outputDataItem")):
            names.add(item.get("name") or item.get("id"))
        ref = mi.find(_b("loopDataOutputRef"))
        if ref is not None and ref.text:
            names.add(ref.text.strip())
    if tag in OPEN_ENDED or tag in SCOPES:
        return names, tag in OPEN_ENDED
    return names, False


def _upstream(graph, nid):
    seen, todo = set(), [nid]
    while todo:
        current = todo.pop()
        for prev in graph.predecessors(current):
            if prev not in seen:
                seen.add(prev)
                todo.append(prev)
        scope = graph.scope.get(current)
        if scope is not None and scope.get("id") in graph.nodes and scope.get("id") not in seen:
            seen.add(scope.get("id"))
            todo.append(scope.get("id"))
    return seen


def _check_conditions(graph, translated, filename, upload, form_fields, problems):
    # Variables that come from scripts anywhere are known only downstream; collect per condition.
    for flow in graph.flows:
        condition = translated.get(flow.get("id"))
        if not condition:
            continue
        source = graph.nodes.get(flow.get("sourceRef"))
        if source is None:
            continue
        names = {n for n in _read_names(condition) if n not in NOT_DATA and not n.startswith("_")}
        if not names:
            continue
        provided, open_ended = set(), False
        for up in _upstream(graph, flow.get("sourceRef")) | {flow.get("sourceRef")}:
            got, anything = _provides(graph.nodes[up], upload, form_fields)
            provided |= got
            open_ended = open_ended or anything
        for name in sorted(names - provided):
            hint = difflib.get_close_matches(name, sorted(provided), n=1, cutoff=0.8)
            label = flow.get("name") or flow.get("id")
            message = (f"{_who(source)}的出口条件「{label}」引用了变量 {name}，但之前没有任何表单、消息、决策表或脚本提供它"
                       + (f"（是不是 {hint[0]}？）" if hint else ""))
            # Free data upstream may hold it, unless it is a near-miss of a name that is provided (a typo).
            warn = open_ended and not hint and bool(IDENTIFIER.fullmatch(name))  # data keys are ASCII names
            if warn:
                message += "；之前有未绑定表单的环节或申请数据，运行时也许会提供"
            problems.add(WARNING if warn else ERROR, "unknown_variable", filename, message,
                         element_id=flow.get("id"), element_name=flow.get("name"))


def _translated_conditions(root):
    """Condition texts as the engine runs them (JUEL/FEEL turned into Python), by flow id."""
    work = copy.deepcopy(root)
    try:
        dialects.normalize_bpmn(work)
    except DefinitionInvalid:
        pass   # reported as unsupported; the rest of the conditions are still read
    found = {}
    for flow in work.iter(_b("sequenceFlow")):
        expr = flow.find(_b("conditionExpression"))
        if expr is not None and (expr.text or "").strip() and flow.get("id"):
            text = expr.text.strip()
            if "${" not in text and not text.startswith("="):
                found[flow.get("id")] = text
    return found, work


def _check_references(root, filename, upload, known, problems):
    from .service import missing_called_processes

    processes = {p.get("id") for _, r in upload.bpmn for p in r.iter(_b("process"))}
    for node, called in missing_called_processes(root, processes):
        problems.add(ERROR, "missing_process", filename,
                     f"{_who(node)}调用的流程 {called} 不在本次上传中：请把被调用流程的 BPMN 文件一起上传", node=node)
    for node in root.iter():
        if not _in_bpmn(node) or _local(node) not in FLOW_NODES:
            continue
        form = _properties(node).get("formKey")
        if form and form not in upload.forms and not (known and known("form", form)):
            problems.add(ERROR, "missing_form", filename, f"{_who(node)}引用的表单 {form} 既未部署，也不在本次上传中",
                         node=node)
        called = node.find(f"{_b('extensionElements')}/{{{SPIFF_NS}}}calledDecisionId")
        did = (called.text or "").strip() if called is not None else ""
        if _local(node) == "businessRuleTask":
            if not did:
                problems.add(ERROR, "missing_decision", filename, f"{_who(node)}没有指定决策表", node=node)
            elif did not in upload.decisions and not (known and known("dmn", did)):
                problems.add(ERROR, "missing_decision", filename, f"{_who(node)}调用的决策表 {did} 既未部署，也不在本次上传中",
                             node=node)


def _check_unsupported(root, filename, problems):
    work = copy.deepcopy(root)
    try:
        dialects.normalize_bpmn(work, filename)
    except DefinitionInvalid as exc:
        _refusals(exc, filename, problems)
        return None
    try:
        timers.normalize_timer_expressions(work)
    except DefinitionInvalid:
        pass   # timer rule says which
    from .service import check_expressions, check_names
    try:
        check_expressions(work, filename)
        check_names(work, filename)
    except DefinitionInvalid as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        for where, reason in (details.get("expressions") or {}).items():
            element_id = where.split(":")[0]
            problems.add(ERROR, "unsupported", filename, f"{element_id} 中的脚本或表达式不被允许：{reason}",
                         element_id=element_id)
        if not details.get("expressions"):
            problems.add(ERROR, "invalid", filename, exc.message)
        return None
    return work


def _check_parses(upload, work_trees, problems):
    """The whole upload through SpiffWorkflow's parser, as deployment does."""
    from engine import spiff
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.exceptions import SpiffWorkflowException

    parser = spiff.new_parser()
    try:
        for filename, root in upload.dmn:
            work = copy.deepcopy(root)
            dialects.normalize_dmn(work, filename)
            for tree in dialects.split_decisions(work):
                parser.add_dmn_xml(tree, filename=filename)
    except (DefinitionInvalid, ValidationException, SpiffWorkflowException):
        return   # reported per DMN file
    for filename, work in work_trees:
        try:
            parser.add_bpmn_xml(work, filename=filename)
        except (ValidationException, SpiffWorkflowException, KeyError, ValueError, TypeError) as exc:
            problems.add(ERROR, "invalid", filename, f"文件未通过校验：{_spiff_reason(exc)}",
                         element_id=getattr(exc, "id", None) or None)
            continue
        for process in work.iter(_b("process")):
            if process.get("isExecutable", "true").lower() == "false":
                continue
            try:
                parser.get_spec(process.get("id"))
            except (ValidationException, SpiffWorkflowException, KeyError, ValueError, TypeError) as exc:
                problems.add(ERROR, "invalid", filename, f"流程无法解析：{_spiff_reason(exc)}",
                             element_id=getattr(exc, "id", None) or process.get("id"))


def _spiff_reason(exc):
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


# ---------------------------------------------------------------- entry point


class LintFailed(DefinitionInvalid):
    """An upload with lint errors: ``details["problems"]`` lists every problem, warnings too."""
    code = "lint_failed"
    message = "流程检查未通过"


def lint(files, fetch=None, parse=True):
    """Problems of an upload ``[(filename, bytes or str), …]``, errors first.

    ``parse=False`` skips SpiffWorkflow's parser (a deployment has just run it)."""
    problems = Problems()
    upload = _Upload(files, problems)
    fetch = fetch or (lambda kind, key: None)
    cache = {}

    def deployed(kind, key):
        if (kind, key) not in cache:
            cache[kind, key] = fetch(kind, key)
        return cache[kind, key]

    def known(kind, key):
        return deployed(kind, key) is not None

    def form_fields(key):
        from .forms import Form
        source = deployed("form", key)
        try:
            return None if source is None else [f.key for f in Form.parse(source, key_hint=key).fields]
        except DefinitionInvalid:
            return None

    # Decisions a process calls that are deployed but not uploaded: parsed with it, as deployment does.
    for filename, root in list(upload.bpmn):
        for called in root.iter(f"{{{SPIFF_NS}}}calledDecisionId"):
            did = (called.text or "").strip()
            if did and did not in upload.decisions and deployed("dmn", did):
                upload.add_deployed_dmn(did, deployed("dmn", did))
    work_trees = []
    for filename, root in upload.bpmn:
        executable = [p for p in root.iter(_b("process")) if p.get("isExecutable", "true").strip().lower() != "false"]
        if not executable:
            problems.add(ERROR, "invalid", filename, "BPMN 文件中没有可执行的流程（isExecutable）")
            continue
        work = _check_unsupported(root, filename, problems)
        _check_timers(root, filename, problems)
        translated, normalized = _translated_conditions(root)
        _check_references(normalized, filename, upload, known, problems)
        for process in executable:
            graph = _Graph(process)
            _check_paths(graph, filename, process, problems)
            _check_lanes(graph, filename, process, problems)
            _check_supplement_waits(graph, filename, problems)
            norm_process = next((p for p in normalized.iter(_b("process")) if p.get("id") == process.get("id")), process)
            _check_conditions(_Graph(norm_process), translated, filename, upload, form_fields, problems)
        if work is not None and not any(p["severity"] == ERROR and p["file"] == filename and p["code"] == "timer_invalid"
                                        for p in problems.items):
            work_trees.append((filename, work))
    # A file already refused for a missing reference or an unsupported element would only fail again.
    refused = {(p["file"]) for p in problems.items
               if p["code"] in ("missing_decision", "missing_form", "missing_process", "unsupported")}
    work_trees = [(f, w) for f, w in work_trees if f not in refused]
    if work_trees and parse:
        _check_parses(upload, work_trees, problems)
    unsupported = {(p["file"], p["element_id"]) for p in problems.items if p["code"] == "unsupported"}
    items = [p for p in problems.items if p["code"] != "timer_invalid" or (p["file"], p["element_id"]) not in unsupported]
    return sorted(items, key=lambda p: p["severity"] != ERROR)


def errors(problems):
    return [p for p in problems if p["severity"] == ERROR]


def raise_if_errors(problems):
    wrong = errors(problems)
    if wrong:
        first = wrong[0]["message"]
        more = f"（共 {len(wrong)} 个错误）" if len(wrong) > 1 else ""
        raise LintFailed(f"流程检查未通过：{first}{more}", details={"problems": problems})
