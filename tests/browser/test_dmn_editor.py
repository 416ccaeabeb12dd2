"""The DMN editor (#13 item 2): dmn-js opens the table the engine evaluates, the try panel shows which
rows match, and a changed table is saved into the process's draft. The browser's cell evaluator
(admin/static/js/unary.js) is checked against the engine's FEEL unary tests on the same cells."""
import pytest
from playwright.sync_api import expect

from engine.spiff import feel

from .conftest import login
from .workbench_api import draft_sources

pytestmark = pytest.mark.browser

CELLS = [  # (cell, value, expected) — FEEL as dmn-js writes it
    ("-", 3, True), ('"本科"', "本科", True), ('"本科"', "硕士", False), ('"本科","硕士"', "硕士", True),
    ('not("本科","硕士")', "博士", True), ('not("本科","硕士")', "本科", False), ("< 18", 17, True),
    ("< 18", 18, False), ("<= 45", 45, True), (">= 5", 4.5, False), ("[18..35]", 35, True),
    ("[18..35]", 36, False), ("(1..5]", 1, False), ("(1..5]", 5, True), ("]0..10[", 10, False),
    ("]0..10[", 0.5, True), ("true", True, True), ("false", True, False), ("null", None, True),
    ("< 18", None, False), ("< 18", "17", False), ("> 1", True, False), ("18", 18, True),
    ('>= date("2025-01-01")', "2025-03-01", True), ('>= date("2025-01-01")', "2024-12-31", False),
    ("[1..5], > 100", 101, True), ("[1..5], > 100", 50, False),
]
PYTHON_CELLS = [("True", True, True), ("False", True, False), ("2025 <= ? <= 2026", 2026, True),
                ("2025 <= ? <= 2026", 2024, False)]


def browser_matches(page, cases):
    return page.evaluate("""async (cases) => {
      const { matches } = await import("/ui/static/js/unary.js");
      return cases.map(([cell, value]) => matches(cell, value));
    }""", [[c, v] for c, v, _ in cases])


def test_browser_cells_agree_with_the_engine(page, people):
    page.goto("/login")
    assert browser_matches(page, CELLS) == [expected for _, _, expected in CELLS]
    engine_side = [feel.matches(feel.parse_tests(cell), value, {}) for cell, value, _ in CELLS]
    assert engine_side == [expected for _, _, expected in CELLS]
    assert browser_matches(page, PYTHON_CELLS) == [expected for _, _, expected in PYTHON_CELLS]
    unsupported = page.evaluate("""async () => {
      const { matches, Unsupported } = await import("/ui/static/js/unary.js");
      try { matches("age_limit + 1", 3); return "evaluated"; } catch (e) { return e instanceof Unsupported ? "unsupported" : String(e); }
    }""")
    assert unsupported == "unsupported"


def test_analyst_tries_and_edits_the_graduate_table(page, people):
    login(page, "analyst")
    page.goto("/workbench/dmn/graduate_settlement_rules?draft=graduate_settlement")
    expect(page.locator("#dmn .tjs-table")).to_be_visible()
    expect(page.locator("#source")).to_contain_text("已部署 v1")
    page.fill("#try [name=degree]", "硕士")
    page.fill("#try [name=age]", "30")
    page.fill("#try [name=graduation_year]", "2026")
    page.select_option("#try [name=has_employer]", "true")
    page.click("#try-run")
    rows = page.locator("#try-rows li")
    expect(rows).to_have_count(1)  # FIRST: the deciding row
    expect(rows.first).to_contain_text("硕士研究生应届毕业生，符合秒批条件")
    expect(page.locator("#try-result")).to_contain_text("命中第 3、5 行，由第 3 行决定")
    rule = rows.first.get_attribute("data-rule")
    expect(page.locator(f'#dmn td.dmn-row-match[data-row-id="{rule}"]').first).to_be_visible()
    page.screenshot(path="/tmp/workbench-dmn.png", full_page=True)

    # Lower the age limit for 硕士 in the table itself, then try again: the row no longer matches.
    page.evaluate("""() => {
      const viewer = window.tongbanDmn.getActiveViewer();
      const decision = window.tongbanDmn.getDefinitions().drgElement.find((d) => d.id === "graduate_settlement_rules");
      const rule = decision.decisionLogic.rule.find((r) => r.inputEntry[0].text === '"硕士"');
      viewer.get("modeling").editCell(rule.inputEntry[1], "<= 25");
    }""")
    page.click("#try-run")
    expect(page.locator("#try-result")).to_contain_text("命中第 5 行")
    expect(rows.first).to_contain_text("转人工审查")
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    files = draft_sources(page, "graduate_settlement")
    assert "graduate_settlement.bpmn" in files  # the draft starts from the deployed diagram
    (dmn_name,) = [n for n in files if n.endswith(".dmn")]
    assert "&lt;= 25" in files[dmn_name]
    # Reopened, the page edits the draft's copy.
    page.reload()
    expect(page.locator("#source")).to_contain_text(f"草稿 graduate_settlement 中的 {dmn_name}")
