"""Diagrams as Camunda Modeler, Flowable, Activiti and dmn-js draw them.

Deployment reads a copy of the uploaded tree through :func:`normalize_bpmn` /
:func:`normalize_dmn` before SpiffWorkflow's parser sees it; the stored source
stays byte for byte as drawn. What is read becomes what Spiff understands:

* ``${…}`` / ``#{…}`` conditions, loop cardinalities, completion conditions and
  timer expressions are parsed as JUEL (``engine.spiff.juel``) into Python for
  the sandbox;
* ``camunda:``/``flowable:``/``activiti:`` ``formKey``, ``candidateGroups``,
  ``candidateUsers``, ``assignee`` and BPMN ``potentialOwner``/``humanPerformer``
  become ``spiffworkflow:property`` entries that the inbox reads;
* ``collection`` + ``elementVariable`` multi-instance becomes
  ``loopDataInputRef`` + ``inputDataItem``;
* ``camunda:decisionRef`` becomes ``spiffworkflow:calledDecisionId``;
* sequence flows and DMN rules, inputs and outputs without ``id`` get one.

What cannot run here (Java classes, delegate expressions, connectors, external
tasks, Groovy/JavaScript, Quartz cron cycles, references to undeclared
messages or errors, recursive call activities) is refused, all problems at
once, each naming the element and what to draw instead.
"""
import copy
import re

from lxml import etree

from engine.errors import DefinitionInvalid
from engine.licences import operator as licence_operator
from engine.spiff import feel, juel

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
VENDOR_NS = {
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "flowable": "http://flowable.org/bpmn",
    "activiti": "http://activiti.org/bpmn",
}
MAX_CALL_DEPTH = 20

# Properties the engine reads on a user task (see engine.runtime.step).
ASSIGNMENT_PROPERTIES = ("candidateGroups", "candidateUsers", "assignee")

INSTEAD_OF_JAVA = "请改画为发送任务（或消息抛出事件）+ 消息捕获事件：由对接系统订阅 message_sent 事件、完成后回送消息"


def _b(tag):
    return f"{{{BPMN_NS}}}{tag}"


def _vendor_attr(node, name):
    """``camunda:name`` / ``flowable:name`` / ``activiti:name`` (the first one present)."""
    for ns in VENDOR_NS.values():
        value = node.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _vendor_children(node, name):
    return [c for ns in VENDOR_NS.values() for c in node.iter(f"{{{ns}}}{name}")]


def _label(node):
    return {"element": node.get("id") or "?", "name": node.get("name") or "",
            "type": etree.QName(node).localname}


class _Problems:
    def __init__(self, filename):
        self.filename, self.items = filename, []

    def add(self, node, reason, instead=None):
        item = {**_label(node), "reason": reason}
        if instead:
            item["instead"] = instead
        self.items.append(item)

    def raise_if_any(self, message):
        if self.items:
            first = self.items[0]
            where = f"{first['type']} {first['element']}" + (f"「{first['name']}」" if first["name"] else "")
            raise DefinitionInvalid(f"{message}：{where} {first['reason']}" + (
                f"（另有 {len(self.items) - 1} 处）" if len(self.items) > 1 else ""),
                details={"file": self.filename, "problems": self.items})


# ---------------------------------------------------------------- BPMN

def normalize_bpmn(root, filename="?"):
    """Refuse what cannot run, then rewrite vendor dialect into what Spiff parses (in place)."""
    if not any(p.get("isExecutable", "true").strip().lower() != "false" for p in root.iter(_b("process"))):
        _name_sequence_flows(root)
        return root  # descriptive only: the repository says so
    problems = _Problems(filename)
    _refuse_unrunnable(root, problems)
    _check_references(root, problems)
    _translate_expressions(root, problems)
    _translate_multi_instance(root, problems)
    _translate_assignment(root, problems)
    _translate_decisions(root)
    _mark_interrupting(root)
    problems.raise_if_any("流程图含有通办无法运行的内容")
    _name_sequence_flows(root)
    return root


def _owner(node):
    """The nearest ancestor-or-self that is a BPMN element with an id."""
    for n in [node, *node.iterancestors()]:
        if n.get("id") and isinstance(n.tag, str) and n.tag.startswith(f"{{{BPMN_NS}}}"):
            return n
    return node


_JAVA_ATTRS = {
    "class": "Java 类",
    "delegateExpression": "Java 委托表达式",
    "expression": "Java 表达式（方法调用）",
}
_ENGINE_IDS = {"Start", "End", "Root"}  # SpiffWorkflow's own task spec names: a clash breaks every case
# Quartz cron: 6-7 fields of digits and * ? / , - L W #, e.g. "0 0 9 * * ?" (an expression has other characters)
_CRON = re.compile(r"^(?=.*[\d*?])[\d*?/,\-LW#A-Z]+(\s+[\d*?/,\-LW#A-Z]+){4,6}$")


def _refuse_unrunnable(root, problems):
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        in_bpmn = node.tag.startswith(f"{{{BPMN_NS}}}")
        if in_bpmn:
            if node.get("id") in _ENGINE_IDS and tag not in ("definitions", "process"):
                problems.add(node, f"的 id {node.get('id')!r} 与引擎内部环节同名", "请换一个 id，例如 StartEvent_1")
            for attr, what in _JAVA_ATTRS.items():
                if _vendor_attr(node, attr):
                    problems.add(node, f"使用{what} {_vendor_attr(node, attr)!r}，通办不运行 Java 代码", INSTEAD_OF_JAVA)
            # A send task's message goes to the webhook outbox anyway: an external send task reads the same.
            if (_vendor_attr(node, "type") or "").lower() == "external" and tag != "sendTask":
                problems.add(node, f"是外部任务（topic {_vendor_attr(node, 'topic')!r}），通办没有外部任务工作者",
                             INSTEAD_OF_JAVA)
            elif tag == "serviceTask" and _vendor_attr(node, "type"):
                problems.add(node, f"使用 {_vendor_attr(node, 'type')} 类型的服务任务，通办不提供", INSTEAD_OF_JAVA)
            if tag == "serviceTask" and not _vendor_attr(node, "type"):
                operator = node.find(f".//{{{SPIFF_NS}}}serviceTaskOperator")
                if operator is not None and operator.get("id") == licence_operator.OPERATOR:
                    licence_operator.check_drawn(operator, lambda text, hint, n=node: problems.add(n, text, hint))
                    continue
                other = _vendor_children(node, "connector") + [  # reported on their own
                    c for c in node.iter() if isinstance(c.tag, str) and etree.QName(c).localname == "taskDefinition"]
                if operator is not None or not (other or any(_vendor_attr(node, a) for a in _JAVA_ATTRS)):
                    what = f"服务任务操作符 {operator.get('id')!r}" if operator is not None else "服务任务（未指定实现）"
                    problems.add(node, f"是{what}，通办不提供服务任务实现", INSTEAD_OF_JAVA)
            if tag == "scriptTask":
                fmt = (node.get("scriptFormat") or "python").strip().lower()
                if fmt not in ("python", "python3", "py"):
                    problems.add(node, f"脚本语言为 {fmt}，通办只运行受限的 Python 脚本",
                                 "请把脚本改写为 Python（scriptFormat=\"python\"），或把条件画在网关连线上")
                if _vendor_attr(node, "resource"):
                    problems.add(node, "脚本来自外部资源文件，通办只运行写在流程图里的脚本", "请把脚本写进脚本任务")
            body = (node.text or "").strip()
            if tag in ("conditionExpression", "completionCondition") and node.get("language") \
                    and not juel.is_juel(body) and not body.startswith("="):
                lang = node.get("language").strip().lower()
                if lang not in ("python", "juel", "http://www.omg.org/spec/bpmn/20100524/model"):
                    problems.add(_owner(node), f"条件使用 {lang} 语言，通办不支持",
                                 "请使用 ${…} 表达式或 Python 表达式")
            if tag == "timeCycle" and _CRON.match((node.text or "").strip()):
                problems.add(_owner(node), f"定时周期 {node.text.strip()!r} 是 Quartz cron 表达式，通办不支持",
                             "请使用 ISO 8601 重复周期，例如 R3/PT24H")
            if tag == "dataStoreReference":
                problems.add(node, "是数据存储，通办没有数据存储的实现",
                             "请把数据作为表单字段存入办件数据，或用发送任务 + 消息与外部系统交换")
            if tag == "callActivity" and any(m in (node.get("calledElement") or "") for m in ("${", "#{")):
                problems.add(node, "被调用流程由表达式决定，通办只支持固定的 calledElement", "请写明被调用流程的 id")
        else:
            # A job worker behind a message throw reads as the message_sent event, as with external send tasks.
            if tag == "taskDefinition" and "zeebe" in (etree.QName(node).namespace or "") and \
                    etree.QName(_owner(node)).localname not in ("sendTask", "intermediateThrowEvent", "endEvent"):
                problems.add(_owner(node), f"是 Camunda 8 作业任务（type {node.get('type')!r}），通办没有作业工作者",
                             INSTEAD_OF_JAVA)
            elif tag == "connector":
                problems.add(_owner(node), "使用 Camunda Connect 连接器，通办不支持", INSTEAD_OF_JAVA)
            elif tag in ("executionListener", "taskListener") and node.getparent() is not None:
                problems.add(_owner(node), f"带有 {tag}（{_describe_listener(node)}），通办不运行监听器代码",
                             "脚本请画成脚本任务；分配请写在候选组/办理人上")


def _describe_listener(node):
    for attr in ("class", "delegateExpression", "expression"):
        if node.get(attr):
            return f"{attr}={node.get(attr)!r}"
    return "脚本"


_REF_KINDS = {"messageRef": "message", "errorRef": "error", "signalRef": "signal", "escalationRef": "escalation"}
_REF_WORDS = {"message": "消息", "error": "错误", "signal": "信号", "escalation": "升级"}


def _check_references(root, problems):
    """An undeclared messageRef/errorRef/… makes Spiff's parser fail with a TypeError; name it instead."""
    declared = {kind: {n.get("id") for n in root.iter(_b(kind))} for kind in _REF_KINDS.values()}
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        for attr, kind in _REF_KINDS.items():
            ref = node.get(attr)
            if ref is not None and etree.QName(node).localname != "messageFlow" and ref not in declared[kind]:
                problems.add(_owner(node), f"引用了未声明的{_REF_WORDS[kind]} {ref!r}",
                             f"请在流程图中声明 <bpmn:{kind} id=\"{ref}\">")


def _juel_or_problem(text, node, problems):
    try:
        return juel.to_python(text)
    except juel.JuelError as exc:
        problems.add(_owner(node), f"表达式 {text.strip()!r} 无法解析：{exc}")
        return None


_EXPRESSION_TAGS = ("conditionExpression", "completionCondition", "loopCardinality",
                    "timeDuration", "timeDate", "timeCycle")


def _translate_expressions(root, problems):
    for tag in _EXPRESSION_TAGS:
        for node in root.iter(_b(tag)):
            text = node.text or ""
            if text.strip().startswith("="):  # Camunda 8 (Zeebe) writes FEEL after "="
                try:
                    node.text = feel.to_python(text.strip()[1:])
                    node.attrib.pop("language", None)
                except feel.FeelError as exc:
                    problems.add(_owner(node), f"FEEL 表达式 {text.strip()!r} 无法解析：{exc}")
            elif juel.is_juel(text):
                python = _juel_or_problem(text, node, problems)
                if python is not None:
                    node.text = python
                    node.attrib.pop("language", None)
            elif "${" in text or "#{" in text:
                problems.add(_owner(node), f"表达式 {text.strip()!r} 混合了文字和 ${{…}}，通办只支持单个 ${{…}} 表达式")


def _translate_multi_instance(root, problems):
    for mi in root.iter(_b("multiInstanceLoopCharacteristics")):
        collection = _vendor_attr(mi, "collection")
        element = _vendor_attr(mi, "elementVariable")
        zeebe = next((c for c in mi.iter() if isinstance(c.tag, str) and "zeebe" in (etree.QName(c).namespace or "")
                      and etree.QName(c).localname == "loopCharacteristics"), None)
        if collection is None and zeebe is not None:  # Camunda 8: inputCollection="=items" inputElement="item"
            collection, element = zeebe.get("inputCollection"), zeebe.get("inputElement")
        if collection is None:
            continue
        name = collection.strip()
        if name.startswith("="):
            name = name[1:].strip()
        if juel.is_juel(name):
            tree = _juel_or_problem(name, mi, problems)
            name = tree if tree and tree.isidentifier() else None
        if not name or not name.isidentifier() or name.startswith("_"):
            problems.add(_owner(mi), f"会签集合 {collection!r} 必须是流程数据中的一个变量名",
                         "请先用脚本任务算出列表变量，再在 collection 中写该变量名")
            continue
        if mi.find(_b("loopDataInputRef")) is None and mi.find(_b("loopCardinality")) is None:
            ref = etree.Element(_b("loopDataInputRef"))
            ref.text = name
            leading = sum(1 for c in mi if isinstance(c.tag, str) and c.tag in (_b("documentation"), _b("extensionElements")))
            mi.insert(leading, ref)  # the schema wants documentation and extensionElements first
            if element and mi.find(_b("inputDataItem")) is None:
                item = etree.Element(_b("inputDataItem"), id=element, name=element)
                # inputDataItem follows loopDataInputRef / loopDataOutputRef in the schema.
                after = mi.find(_b("loopDataOutputRef"))
                (after if after is not None else ref).addnext(item)


def _spiff_properties(node):
    ext = node.find(_b("extensionElements"))
    if ext is None:
        ext = etree.Element(_b("extensionElements"))
        node.insert(_children_after_documentation(node), ext)
    props = ext.find(f"{{{SPIFF_NS}}}properties")
    if props is None:
        props = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    return props


def _children_after_documentation(node):
    return sum(1 for c in node if isinstance(c.tag, str) and c.tag == _b("documentation"))


def _set_property(node, name, value):
    props = _spiff_properties(node)
    for prop in props.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == name:
            return
    etree.SubElement(props, f"{{{SPIFF_NS}}}property", name=name, value=value)


def _split(text):
    return [p.strip() for p in re.split(r"[,，]", text or "") if p.strip()]


def _resource_expression(node):
    expr = node.find(f".//{_b('formalExpression')}")
    return (expr.text or "").strip() if expr is not None else ""


def _translate_assignment(root, problems):
    for node in root.iter(_b("userTask"), _b("startEvent")):
        form_key = _vendor_attr(node, "formKey")
        if form_key:
            _set_property(node, "formKey", form_key)
        if etree.QName(node).localname != "userTask":
            continue
        groups, users = [], []
        assignee = _vendor_attr(node, "assignee")
        for item in _split(_vendor_attr(node, "candidateGroups")):
            groups.append(item)
        for item in _split(_vendor_attr(node, "candidateUsers")):
            users.append(item)
        for owner in node.iter(_b("potentialOwner")):
            for part in _split(_resource_expression(owner)):
                m = re.fullmatch(r"(user|group)\((.*)\)", part)
                (users if m and m.group(1) == "user" else groups).append(m.group(2).strip() if m else part)
        for performer in node.iter(_b("humanPerformer")):
            text = _resource_expression(performer)
            m = re.fullmatch(r"user\((.*)\)", text)
            assignee = assignee or (m.group(1).strip() if m else text) or None
        for value in [*groups, *users, assignee or ""]:
            if "${" in value or "#{" in value:
                if not juel.is_juel(value):
                    problems.add(node, f"分配表达式 {value!r} 只能是单个 ${{…}} 表达式")
                else:
                    _juel_or_problem(value, node, problems)
        if groups:
            _set_property(node, "candidateGroups", ",".join(groups))
        if users:
            _set_property(node, "candidateUsers", ",".join(users))
        if assignee:
            _set_property(node, "assignee", assignee)


def _translate_decisions(root):
    for node in root.iter(_b("businessRuleTask")):
        for attr in ("resultVariable", "mapDecisionResult"):
            if _vendor_attr(node, attr):
                _set_property(node, attr, _vendor_attr(node, attr))
        ref = _vendor_attr(node, "decisionRef")
        if ref and node.find(f".//{{{SPIFF_NS}}}calledDecisionId") is None:
            ext = node.find(_b("extensionElements"))
            if ext is None:
                ext = etree.Element(_b("extensionElements"))
                node.insert(_children_after_documentation(node), ext)
            etree.SubElement(ext, f"{{{SPIFF_NS}}}calledDecisionId").text = ref


def _mark_interrupting(root):
    """SpiffWorkflow 3.2 ignores isInterrupting; the engine's fix (engine.spiff.fixes) reads it from here."""
    for sub in root.iter(_b("subProcess")):
        if sub.get("triggeredByEvent") != "true":
            continue
        starts = sub.findall(_b("startEvent"))
        if starts:
            interrupting = starts[0].get("isInterrupting", "true").strip().lower() != "false"
            _set_property(sub, "isInterrupting", "true" if interrupting else "false")


def _name_sequence_flows(root):
    """A flow without id is valid XML Schema but Spiff drops it (a gateway with no outputs, a false end)."""
    taken = {n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    counter = 0
    for flow in root.iter(_b("sequenceFlow")):
        if not flow.get("id"):
            counter += 1
            while f"Flow_{counter}" in taken:
                counter += 1
            flow.set("id", f"Flow_{counter}")
            taken.add(flow.get("id"))


def check_call_graph(trees, filename="?"):
    """Refuse call activities that call their own process or an ancestor, or nest too deep."""
    calls = {}
    for root in trees:
        for process in root.iter(_b("process")):
            calls[process.get("id")] = [(c, c.get("calledElement")) for c in process.iter(_b("callActivity"))
                                        if c.get("calledElement")]
    problems = _Problems(filename)

    def walk(pid, path):
        for node, called in calls.get(pid, []):
            if called in path:
                problems.add(node, f"调用流程 {called!r}，而它正是调用链 {' → '.join(path)} 中的上级，会无限嵌套",
                             "请用循环（回退连线）代替递归调用")
            elif len(path) >= MAX_CALL_DEPTH:
                problems.add(node, f"调用嵌套超过 {MAX_CALL_DEPTH} 层")
            else:
                walk(called, path + [called])
            if len(problems.items) > 20:
                return

    for pid in calls:
        walk(pid, [pid])
        if problems.items:
            break
    problems.raise_if_any("调用活动无法运行")


# ---------------------------------------------------------------- DMN

HIT_POLICIES = {"UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER"}


def normalize_dmn(root, filename="?"):
    """Give ids to DMN parts dmn-js or hand-written files leave without one (Spiff needs them);
    refuse what cannot run."""
    problems = _Problems(filename)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        if tag == "decisionTable":
            policy = (node.get("hitPolicy") or "UNIQUE").strip().upper()
            aggregation = (node.get("aggregation") or "").strip().upper()
            if policy not in HIT_POLICIES:
                problems.add(node, f"命中策略 {policy} 不是 DMN 定义的策略", "请使用 UNIQUE、FIRST、PRIORITY、ANY、"
                             "COLLECT、RULE ORDER 或 OUTPUT ORDER")
            elif aggregation and (policy != "COLLECT" or aggregation not in ("SUM", "MIN", "MAX", "COUNT")):
                problems.add(node, f"汇总方式 {aggregation} 只能用于 COLLECT，且为 SUM、MIN、MAX 或 COUNT")
        elif tag == "requiredKnowledge" and node.getparent() is not None:
            decision = next((a for a in node.iterancestors() if etree.QName(a).localname == "decision"), node)
            problems.add(decision, "调用业务知识模型（BKM），通办只运行决策表",
                         "请把业务知识模型画成一张决策表，用 requiredDecision 引用")
        elif tag == "literalExpression" and node.getparent() is not None and \
                etree.QName(node.getparent()).localname == "decision":
            problems.add(node.getparent(), "是文字表达式决策，通办只运行决策表", "请改画为决策表")
    problems.raise_if_any("决策文件含有通办无法运行的内容")
    taken = {n.get("id") for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
    counter = 0
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).localname in ("input", "output", "rule", "inputEntry", "outputEntry",
                                            "inputExpression", "decisionTable") and not node.get("id"):
            counter += 1
            while f"auto_{counter}" in taken:
                counter += 1
            node.set("id", f"auto_{counter}")
            taken.add(node.get("id"))
    return root


def split_decisions(root):
    """One tree per decision: SpiffWorkflow's DMN parser reads only files with a single decision."""
    decisions = [d for d in root if isinstance(d.tag, str) and etree.QName(d).localname == "decision"]
    if len(decisions) <= 1:
        return [root]
    trees = []
    for keep in decisions:
        tree = copy.deepcopy(root)
        for node in list(tree):
            if isinstance(node.tag, str) and etree.QName(node).localname == "decision" and node.get("id") != keep.get("id"):
                tree.remove(node)
        trees.append(tree)
    return trees
