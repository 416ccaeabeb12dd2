"""Decision tables as dmn-js draws them: FEEL cells and every DMN 1.3 hit policy.

SpiffWorkflow 3.2 reads cells as Python by splicing text (``input == cell``),
knows only UNIQUE (without reporting a violation) and COLLECT (without
aggregation), and treats the other policies as "take the first". Its DMN
engine and rule classes are built directly by its parser, so these are patches,
installed once by :func:`install`:

* a cell is FEEL when it parses as FEEL (engine.spiff.feel): ``"A","B"``,
  ``[18..35]``, ``not("A")``, ``< 18``, ``date("2025-01-01")`` …; any other cell
  is read as the Python expression it was before (``False``, ``2025 <= ? <= 2026``,
  ``x == 1``), so the engine's existing Python-cell tables keep their meaning;
* hit policies: UNIQUE (more than one match is an error), ANY (matches must
  agree), FIRST, PRIORITY and OUTPUT ORDER (rule order: Tongban does not read
  output value lists), RULE ORDER, COLLECT and COLLECT with SUM / MIN / MAX /
  COUNT (the parser keeps ``aggregation`` in the policy as ``COLLECT:SUM``);
* the matched rule rows are kept on the task (``dmn_matched_rows``) for the trail;
* decision requirement graphs: a decision that requires others (``requiredDecision``
  in the same DMN file) evaluates them first; their outputs are visible to its input
  expressions by output name and, for a one-output decision, by the decision's name
  — as Camunda does — without entering the case data. The required tables travel
  inside the stored spec (``required`` in the serialized decision table).
"""
from collections import OrderedDict

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.dmn.specs.model import Rule

from . import feel

MATCHED_ROWS = "dmn_matched_rows"
_python_evaluate = DMNEngine.evaluate


def _cell_tests(text):
    try:
        return True, feel.parse_tests(text)
    except feel.FeelError:
        return False, None


def evaluate(self, input_expr, match_expr, task):
    """One input cell against the row's input, FEEL first."""
    if match_expr is None:
        return True
    is_feel, tree = _cell_tests(match_expr)
    if not is_feel:
        return _python_evaluate(self, input_expr, match_expr, task)
    if tree is None:
        return True
    input_value = task.workflow.script_engine.evaluate(task, input_expr)
    return feel.matches(tree, input_value, task.data)


def _output_value(task, text):
    if not text:
        return ""
    try:
        tree = feel.parse_expression(text)
    except feel.FeelError:
        return task.workflow.script_engine.evaluate(task, text)
    return feel.value(tree, task.data)


def output_as_dict(self, task):
    out = OrderedDict()
    for entry in self.outputEntries:
        key = entry.output.name or entry.output.label
        result = _output_value(task, getattr(entry, "text", ""))
        if "." in key:  # dot notation nests, as the library does
            *parents, leaf = key.split(".")
            node = out
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = result
        else:
            out[key] = result
    return out


def decide(self, task):
    return [rule for rule in self.decision_table.rules if self._DMNEngine__check_rule(rule, task)]


_AGGREGATE = {
    "SUM": lambda values: sum(v for v in values if isinstance(v, (int, float))),
    "MIN": lambda values: min(values) if values else None,
    "MAX": lambda values: max(values) if values else None,
    "COUNT": len,
}


MAX_DRG_DEPTH = 20


def _required_context(table, task, depth=0):
    """Outputs of the decisions ``table`` requires, evaluated first (depth-first)."""
    context = {}
    for variable, required in getattr(table, "required", None) or []:
        if depth >= MAX_DRG_DEPTH:
            raise WorkflowTaskException("决策需求图嵌套过深", task=task)
        values = _evaluate_table(required, task, depth + 1)
        context.update(values)
        if len(required.outputs) == 1:
            context[variable] = next(iter(values.values()), None)
    return context


def _evaluate_table(table, task, depth):
    context = _required_context(table, task, depth)
    engine = DMNEngine(table)
    if not context:
        return engine._result(task)
    saved = task.data
    task.data = {**saved, **context}
    try:
        return engine._result(task)
    finally:
        task.data = saved


def result(self, task):
    return _evaluate_table(self.decision_table, task, 0)


def _result(self, task):
    policy, _, aggregation = (self.decision_table.hit_policy or "UNIQUE").upper().partition(":")
    matched = self.decide(task)
    outputs = [rule.output_as_dict(task) for rule in matched]
    every_row = policy in ("COLLECT", "RULE ORDER", "OUTPUT ORDER")
    # Which rows decided (秒批: which rule approved), for the trail; see ``matched_rows``.
    task.internal_data[MATCHED_ROWS] = [
        {"row": rule.row_number, "id": rule.id, "description": rule.description or "", "outputs": out,
         "applied": every_row or i == 0} for i, (rule, out) in enumerate(zip(matched, outputs))]
    if policy == "UNIQUE" and len(outputs) > 1:
        raise WorkflowTaskException(
            f"决策表（UNIQUE）命中了多条规则：第 {', '.join(str(r.row_number) for r in matched)} 行", task=task)
    if policy == "ANY" and any(o != outputs[0] for o in outputs[1:]):
        raise WorkflowTaskException(
            f"决策表（ANY）命中的规则结果不一致：第 {', '.join(str(r.row_number) for r in matched)} 行", task=task)
    if policy in ("COLLECT", "RULE ORDER", "OUTPUT ORDER"):
        names = [o.name or o.label for o in self.decision_table.outputs]
        collected = {name: [o.get(name) for o in outputs] for name in names}
        if policy == "COLLECT" and aggregation in _AGGREGATE:
            collected = {name: _AGGREGATE[aggregation](values) for name, values in collected.items()}
            outputs = [collected]
        return _with_result_variable(task, collected, outputs)
    return _with_result_variable(task, outputs[0] if outputs else {}, outputs[:1])


def _with_result_variable(task, result, outputs):
    """Camunda's ``resultVariable`` + ``mapDecisionResult`` (read at deploy into task properties)."""
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    name = props.get("resultVariable")
    if not name:
        return result
    mapping = props.get("mapDecisionResult") or "resultList"
    if mapping == "singleEntry":
        value = next(iter(outputs[0].values()), None) if outputs else None
    elif mapping == "singleResult":
        value = dict(outputs[0]) if outputs else None
    elif mapping == "collectEntries":
        value = [next(iter(o.values()), None) for o in outputs]
    else:
        value = [dict(o) for o in outputs]
    return {**result, name: value}


_parse_decision_tables = DMNParser._parse_decision_tables


def parse_decision_tables(self, decision, element):
    """The library drops ``aggregation``; keep it with the hit policy (a string the serializer stores)."""
    _parse_decision_tables(self, decision, element)
    tables = element.findall("dmn:decisionTable", namespaces=self.nsmap)
    for table, node in zip(decision.decisionTables[-len(tables):] if tables else [], tables):
        aggregation = (node.get("aggregation") or "").strip().upper()
        if aggregation:
            table.hit_policy = f"{table.hit_policy}:{aggregation}"


_get_engine = BpmnDmnParser.get_engine


def get_engine(self, decision_ref, node):
    engine = _get_engine(self, decision_ref, node)
    _attach_required(self, decision_ref, engine.decision_table, node, [decision_ref])
    return engine


def _attach_required(parser, decision_id, table, node, path):
    dmn_parser = parser.dmn_parsers[decision_id]
    hrefs = dmn_parser.xpath(".//dmn:decision/dmn:informationRequirement/dmn:requiredDecision/@href")
    table.required = []
    for href in hrefs:
        required_id = href.lstrip("#")
        if required_id in path:
            raise ValidationException(f"决策 {decision_id} 循环依赖决策 {required_id}", node=node, file_name="")
        if required_id not in parser.dmn_parsers:
            raise ValidationException(f"决策 {decision_id} 依赖的决策 {required_id} 不在同一批部署的 DMN 文件中",
                                      node=node, file_name="")
        required = _get_engine(parser, required_id, node).decision_table
        _attach_required(parser, required_id, required, node, path + [required_id])
        decision = parser.dmn_parsers[required_id].decision
        table.required.append((decision.name or required_id, required))


_table_to_dict = BaseBusinessRuleTaskConverter.decision_table_to_dict
_table_from_dict = BaseBusinessRuleTaskConverter.decision_table_from_dict


def decision_table_to_dict(self, table):
    dct = _table_to_dict(self, table)
    dct["required"] = [{"variable": v, "table": decision_table_to_dict(self, t)}
                       for v, t in getattr(table, "required", None) or []]
    return dct


def decision_table_from_dict(self, dct):
    required = dct.pop("required", None) or []
    table = _table_from_dict(self, dct)
    table.required = [(r["variable"], decision_table_from_dict(self, dict(r["table"]))) for r in required]
    return table


def matched_rows(task):
    """The rows of a business rule task's table that matched, as the trail records them."""
    return task.internal_data.get(MATCHED_ROWS) or []


def install():
    if DMNEngine.evaluate is evaluate:
        return
    DMNParser._parse_decision_tables = parse_decision_tables
    BpmnDmnParser.get_engine = get_engine
    BaseBusinessRuleTaskConverter.decision_table_to_dict = decision_table_to_dict
    BaseBusinessRuleTaskConverter.decision_table_from_dict = decision_table_from_dict
    DMNEngine._result = _result
    DMNEngine.evaluate = evaluate
    DMNEngine.decide = decide
    DMNEngine.result = result
    Rule.output_as_dict = output_as_dict
