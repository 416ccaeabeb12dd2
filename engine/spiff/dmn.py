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
* the matched rule rows are kept on the task (``dmn_matched_rows``) for the trail.
"""
from collections import OrderedDict

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
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


def result(self, task):
    policy, _, aggregation = (self.decision_table.hit_policy or "UNIQUE").upper().partition(":")
    matched = self.decide(task)
    task.internal_data[MATCHED_ROWS] = [rule.row_number for rule in matched]
    outputs = [rule.output_as_dict(task) for rule in matched]
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


def install():
    if DMNEngine.evaluate is evaluate:
        return
    DMNParser._parse_decision_tables = parse_decision_tables
    DMNEngine.evaluate = evaluate
    DMNEngine.decide = decide
    DMNEngine.result = result
    Rule.output_as_dict = output_as_dict
