"""Clerk operations in the browser: clerks of two departments (and their colleagues)
walk a parallel-review matter through 退回 across the branches, 加签, 转办, 委派,
撤回 and 补正告知, checking each inbox at each step; a phone-width check.
Screenshots go to tests/browser/screenshots/ for review."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine import Actor
from tests.conftest import diagram

from .conftest import login

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"
APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
CLERKS = [("market", "市场监管局"), ("market2", "市场监管局"), ("fire", "消防救援支队"), ("fire2", "消防救援支队"),
          ("health", "卫生健康委"), ("leader", "领导")]
ADMIN = Actor("admin", "admin")


@pytest.fixture
def ops(people):
    people.repository.deploy_paths([diagram("operations", "parallel_review.bpmn")])
    for name, group in CLERKS:
        people.users.add(name, "clerk", groups=[group], password=name)
    return people


@pytest.fixture
def as_clerk(chromium, server):
    """as_clerk("market") -> a logged-in page of that clerk (one browser context each)."""
    contexts, pages = [], {}
    errors = []

    def open_as(name, width=1280):
        key = (name, width)
        if key not in pages:
            context = chromium.new_context(base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport={"width": width, "height": 900})
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            login(page, name)
            page.wait_for_url(re.compile(r"/inbox"))
            pages[key] = page
        return pages[key]

    yield open_as
    for context in contexts:
        context.close()
    assert not errors, f"script errors in the page: {errors}"


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ops-{name}.png"), full_page=True)


def inbox(page):
    """The task names in the 待办 tab, after a fresh load."""
    page.goto("/inbox")
    expect(page.locator("#page-info")).to_contain_text("共")
    return sorted(page.locator("#inbox tbody tr td:first-child a").all_inner_texts())


def open_task(page, name):
    page.goto("/inbox")
    page.locator("#inbox tbody tr", has_text=name).first.locator("a", has_text="办理").click()
    page.wait_for_url(re.compile(r"/tasks/\d+"))
    expect(page.locator("#task-title")).to_contain_text(name)
    expect(page.locator("#operations button, #no-operations:not([hidden])").first).to_be_visible()


def submit(page, opinion=None):
    if opinion:
        page.fill("#opinion", opinion)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/inbox"))


def operate(page, label, fields, selects=None):
    page.click(f"#operations button:text-is('{label}')")
    dialog = page.locator("#op-dialog")
    expect(dialog).to_be_visible()
    for name, value in (selects or {}).items():
        dialog.locator(f"select[name={name}]").select_option(label=value)
    for name, value in fields.items():
        dialog.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():  # a done operation reloads the task or goes to the inbox: wait for it
        dialog.locator("#op-ok").click()
    expect(dialog).to_be_hidden()


def test_two_departments_walk_a_parallel_review_through_every_operation(ops, as_clerk):
    case = ops.runtime.start("parallel_review", APPLICANT)
    window, market, fire = as_clerk("window"), as_clerk("market"), as_clerk("fire")

    # 受理 with an opinion: three departments get their review.
    open_task(window, "受理")
    submit(window, "材料齐全，予以受理")
    assert inbox(market) == ["市场监管审查"] and inbox(fire) == ["消防审查"]
    assert inbox(as_clerk("health")) == ["卫生审查"]
    shot(market, "1-inbox-market")

    # 退回 from inside the market's branch to 受理: the fire and health branches are cancelled.
    open_task(market, "市场监管审查")
    shot(market, "2-task-page")
    operate(market, "退回", {"reason": "营业场所证明缺失"}, selects={"to": "受理"})
    market.wait_for_url(re.compile(r"/inbox"))
    assert inbox(market) == [] and inbox(fire) == [] and inbox(window) == ["受理"]
    shot(window, "3-returned-to-window")
    open_task(window, "受理")
    submit(window, "已补齐，重新受理")
    assert inbox(fire) == ["消防审查"] and inbox(market) == ["市场监管审查"]

    # 加签 (before): the fire clerk asks two people first, their own task waits; 减签 drops one.
    open_task(fire, "消防审查")
    fire_task = fire.url.rsplit("/", 1)[-1]
    operate(fire, "加签", {"users": "fire2, health", "reason": "请复核消防通道"})
    assert inbox(fire) == []
    fire.goto(f"/tasks/{fire_task}")
    operate(fire, "减签", {"reason": "卫生部门无需会签"}, selects={"users": "health（待办理）"})
    assert inbox(as_clerk("health")) == ["卫生审查"]
    fire2 = as_clerk("fire2")
    assert inbox(fire2) == ["消防审查（加签）"]
    expect(fire2.locator("#inbox tbody tr .tag")).to_have_text("前加签")
    shot(fire2, "4-sign-inbox")
    open_task(fire2, "消防审查（加签）")
    submit(fire2, "消防通道符合要求")
    assert inbox(fire) == ["消防审查"]

    # 转办: the market clerk hands the review to a colleague.
    open_task(market, "市场监管审查")
    operate(market, "转办", {"to": "market2", "reason": "外出检查"})
    market2 = as_clerk("market2")
    assert inbox(market) == [] and inbox(market2) == ["市场监管审查"]

    # 委派: the colleague delegates to the market clerk, who works it and hands it back.
    open_task(market2, "市场监管审查")
    operate(market2, "委派", {"to": "market", "reason": "请协助现场核查"})
    assert inbox(market2) == [] and inbox(market) == ["市场监管审查"]
    open_task(market, "市场监管审查")
    expect(market.locator("#task-notice")).to_contain_text("委派")
    submit(market, "现场核查合格")
    assert inbox(market) == [] and inbox(market2) == ["市场监管审查"]
    open_task(market2, "市场监管审查")
    expect(market2.locator("#task-notice")).to_contain_text("现场核查合格")
    shot(market2, "5-delegation-returned")
    submit(market2, "同意")
    assert inbox(market2) == ["市场监管复核"]

    # 撤回: the fire clerk completes, then takes it back while nothing moved on.
    open_task(fire, "消防审查")
    fire.fill("#opinion", "同意")
    fire.click("#submit")
    fire.wait_for_url(re.compile(r"/inbox"))
    assert inbox(fire) == []
    fire.click("[data-tab=done]")
    fire.locator("#inbox tbody tr", has_text="消防审查").locator("a", has_text="查看").click()
    fire.wait_for_url(re.compile(r"/tasks/\d+"))
    operate(fire, "撤回", {"reason": "意见需修改"})
    assert inbox(fire) == ["消防审查"]
    shot(fire, "6-withdrawn")

    # 补正告知: one notice with every defect; open tasks wait until it is answered.
    open_task(market2, "市场监管复核")
    operate(market2, "补正告知", {"items": "营业场所证明：未加盖公章\n健康证明：已过期", "reason": "材料不符合要求"})
    assert inbox(fire) == [] and inbox(market2) == [] and inbox(as_clerk("health")) == []
    window.goto(f"/cases/{case.id}")
    expect(window.locator("#correction-items li")).to_have_count(2)
    shot(window, "7-correction-open")
    window.goto(f"/cases/{case.id}/correction-notice")
    expect(window.locator("#notice-items tr")).to_have_count(2)
    shot(window, "8-correction-notice")
    window.goto(f"/cases/{case.id}")
    window.click("#correction-answer")
    expect(window.locator("#correction-state")).to_contain_text("已于")
    assert inbox(fire) == ["消防审查"] and inbox(market2) == ["市场监管复核"]

    # The trail tells the whole story, and the case page lists the opinions.
    types = [e.type for e in ops.history.trail(case.id)]
    for t in ("task_returned", "task_signed", "task_transferred", "task_delegated", "task_delegation_resolved",
              "task_withdrawn", "correction_opened", "correction_answered"):
        assert t in types
    window.goto(f"/cases/{case.id}")
    expect(window.locator("#opinions li", has_text="材料齐全，予以受理")).to_have_count(1)
    shot(window, "9-case-page")


def test_inbox_and_task_page_fit_a_phone(ops, as_clerk):
    for _ in range(3):
        ops.runtime.start("parallel_review", APPLICANT)
    phone = as_clerk("window", width=390)
    phone.goto("/inbox")
    expect(phone.locator("#inbox tbody tr")).to_have_count(3)
    expect(phone.locator("#inbox thead")).to_be_hidden()  # cards, not a table
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "phone-inbox")
    open_task(phone, "受理")
    expect(phone.locator("#submit")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "phone-task")
