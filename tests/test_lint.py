"""Lint before deploy: each rule with a diagram that breaks it and one that keeps it,
the sample matters clean, deployment blocked by errors, the API and the CLI."""
import pytest

from engine import Actor
from engine.errors import DefinitionInvalid, ScriptError
from engine.repository import lint
from engine.repository.lint import LintFailed

from .conftest import ROOT, diagram
from .test_cli import tongban

LINT = diagram("lint")
SUPPORT = ["lint_decide.form", "lint_apply.form", "lint_rule.dmn"]


def files(*names):
    return [(name, (LINT / name).read_bytes()) for name in [*names, *SUPPORT]]


def problems_of(name, **kw):
    return [p for p in lint.lint(files(name), **kw) if p["file"] == name]


# (bad diagram, good diagram, code, offending element)
RULES = [
    ("no_outgoing_bad.bpmn", "no_outgoing_good.bpmn", "no_outgoing", "accept"),
    ("path_end_bad.bpmn", "path_end_good.bpmn", "no_path_to_end", "review"),
    ("no_lane_bad.bpmn", "no_lane_good.bpmn", "no_lane", "review"),
    ("condition_typo_bad.bpmn", "condition_typo_good.bpmn", "unknown_variable", "f_yes"),
    ("condition_unknown_bad.bpmn", "condition_typo_good.bpmn", "unknown_variable", "f_yes"),
    ("timer_bad.bpmn", "timer_good.bpmn", "timer_invalid", "cool_off"),
    ("timer_words_bad.bpmn", "timer_iso_good.bpmn", "timer_invalid", "cool_off"),
    ("reference_bad.bpmn", "reference_good.bpmn", "missing_form", "decide"),
    ("reference_bad.bpmn", "reference_good.bpmn", "missing_decision", "grade"),
    ("deadline_bad.bpmn", "deadline_good.bpmn", "no_deadline", "wait_supplement"),
    ("unsupported_bad.bpmn", "unsupported_good.bpmn", "unsupported", "notify"),
]


@pytest.mark.parametrize("bad,good,code,element", RULES)
def test_each_rule_fails_the_bad_diagram_and_passes_the_good(bad, good, code, element):
    found = [p for p in problems_of(bad) if p["code"] == code]
    assert found and found[0]["severity"] == "error", problems_of(bad)
    assert found[0]["element_id"] == element
    assert any("\u4e00" <= c <= "\u9fff" for c in found[0]["message"])  # Chinese, for the analyst
    assert not lint.errors(problems_of(good)), problems_of(good)


def test_typo_names_the_variable_it_probably_meant():
    (problem,) = [p for p in problems_of("condition_typo_bad.bpmn") if p["code"] == "unknown_variable"]
    assert "decison" in problem["message"] and "decision" in problem["message"]
    assert problem["element_name"] == "准予"


def test_unknown_variable_is_only_a_warning_where_free_data_could_provide_it():
    found = [p for p in problems_of("condition_unknown_warning.bpmn") if p["code"] == "unknown_variable"]
    assert [p["severity"] for p in found] == ["warning"]
    assert "urgent" in found[0]["message"]


def test_lanes_are_a_warning_only_where_the_process_draws_none():
    found = [p for p in problems_of("no_outgoing_good.bpmn") if p["code"] == "no_lane"]
    assert [p["severity"] for p in found] == ["warning"]


def test_missing_references_are_found_in_what_is_deployed(engine):
    alone = [("reference_good.bpmn", (LINT / "reference_good.bpmn").read_bytes())]
    assert {p["code"] for p in lint.errors(lint.lint(alone))} == {"missing_form", "missing_decision"}
    engine.repository.deploy([(n, (LINT / n).read_bytes()) for n in ("lint_rule.dmn", "lint_decide.form")])
    assert not lint.errors(engine.repository.check(alone)), engine.repository.check(alone)


def test_sample_matters_pass_lint():
    files = [(p.name, p.read_bytes()) for folder in ("processes", "forms") for p in sorted((ROOT / folder).iterdir())
             if p.is_file() and p.suffix in (".bpmn", ".dmn", ".form", ".json") and p.name != "demo.json"]
    problems = lint.lint(files)
    assert not lint.errors(problems), problems


def test_deploy_is_blocked_by_errors_with_the_whole_list(engine):
    with pytest.raises(LintFailed) as caught:
        engine.repository.deploy(files("path_end_bad.bpmn"))
    assert caught.value.code == "lint_failed"
    codes = {(p["code"], p["element_id"]) for p in caught.value.details["problems"]}
    assert {("no_path_to_end", "review"), ("no_path_to_end", "recheck")} <= codes
    assert engine.repository.list("bpmn") == []        # nothing stored, not even the forms with it
    assert engine.repository.list("form") == []
    # Warnings do not block.
    deployed, problems = engine.repository.deploy_checked(files("condition_unknown_warning.bpmn"))
    assert any(d.key == "lint_condition" for d in deployed)
    assert [p["code"] for p in problems if p["code"] == "unknown_variable"] == ["unknown_variable"]


def test_what_deployment_always_refused_keeps_its_own_error(engine):
    with pytest.raises(DefinitionInvalid) as caught:
        engine.repository.deploy(files("unsupported_bad.bpmn"))
    assert caught.value.code == "definition_invalid"


def test_cli_check(engine, database_url):
    bad = tongban(database_url, "deploy", "--check", str(LINT / "path_end_bad.bpmn"), check=False)
    assert bad.returncode == 1
    assert "no_path_to_end" in bad.stderr and "审查" in bad.stderr
    good = tongban(database_url, "deploy", "--check", str(LINT / "timer_good.bpmn"), check=False)
    assert good.returncode == 0, good.stderr
    assert "0 个错误" in good.stdout
    assert engine.repository.list("bpmn") == []          # --check never deploys


def test_a_misspelt_variable_at_run_time_reaches_the_clerk_in_chinese(engine):
    """Drawn before lint existed (or with lint's warning ignored): the clerk reads Chinese, not a traceback."""
    source = (LINT / "condition_unknown_warning.bpmn").read_text()
    engine.repository.deploy([("lint_decide.form", (LINT / "lint_decide.form").read_bytes()),
                              ("broken.bpmn", source)])
    admin = Actor("admin", "admin")
    case = engine.runtime.start("lint_condition", {"kind": "person", "id_number": "11010519491231002X",
                                                   "name": "张三"}, {}, admin)
    task = engine.tasks.for_case(case.id)[0]
    with pytest.raises(ScriptError) as caught:
        engine.tasks.complete(task.id, admin, {"decision": "approve"})
    message = caught.value.message
    assert "urgent" in message and "流程管理员" in message
    assert "NameError" not in message and "Traceback" not in message and "is not defined" not in message


def test_a_reminder_beside_a_task_needs_no_outgoing_flow_but_an_interrupting_boundary_does():
    source = (LINT / "no_outgoing_good.bpmn").read_text()
    reminder = ('<bpmn:boundaryEvent id="urge" name="催办" attachedToRef="accept" cancelActivity="false">'
                '<bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT24H</bpmn:timeCycle></bpmn:timerEventDefinition>'
                '</bpmn:boundaryEvent>')
    with_reminder = source.replace('<bpmn:endEvent id="end"', reminder + '<bpmn:endEvent id="end"')
    assert not lint.errors(lint.lint([("r.bpmn", with_reminder)]))
    cutting = with_reminder.replace('cancelActivity="false"', 'cancelActivity="true"')
    assert [(p["code"], p["element_id"]) for p in lint.errors(lint.lint([("r.bpmn", cutting)]))] == \
        [("no_outgoing", "urge")]


def test_a_call_activity_needs_its_process_in_the_upload():
    source = (LINT / "no_outgoing_good.bpmn").read_text().replace(
        '<bpmn:userTask id="accept" name="受理">', '<bpmn:callActivity id="accept" name="受理" calledElement="elsewhere">'
    ).replace("</bpmn:userTask>", "</bpmn:callActivity>")
    (problem,) = lint.errors(lint.lint([("c.bpmn", source)]))
    assert problem["code"] == "missing_process" and "elsewhere" in problem["message"]
