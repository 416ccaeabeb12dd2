"""The auditor's replay view: a looping case stepped through event by event, with its checks."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..test_audit import set_data
from ..test_matters import decide, review_both, start_food, work
from ..window_data import FOOD_COMPLETE
from .conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent / "screenshots"


def element(page, element_id):
    return page.locator(f'#diagram .djs-element[data-element-id="{element_id}"]')


def test_auditor_steps_through_a_return_loop(page, people):
    SHOTS.mkdir(exist_ok=True)
    case = start_food(people, FOOD_COMPLETE)
    review_both(people, case.id)
    decide(people, case.id, "return")
    work(people, case.id, "correct", {"correction_notes": "请补充布局图", "materials_missing": False})
    review_both(people, case.id, market_first=False)
    decide(people, case.id, "approve")
    events = people.history.trail(case.id)

    login(page, "auditor")
    page.goto(f"/cases/{case.id}")
    page.click("#to-replay")
    page.wait_for_url(re.compile(rf"/cases/{case.id}/replay$"))
    expect(page.locator("#verify-result")).to_contain_text("留痕完整")
    expect(page.locator("#replay-result")).to_contain_text("重演一致")
    expect(page.locator("#trail tbody tr")).to_have_count(len(events))
    expect(page.locator("#diagram svg").first).to_be_visible()
    expect(page.locator("#step-title")).to_have_text("开始前")

    # Step one event at a time; at every step the highlighted element is that event's.
    both_reviews_open = first_return = second_decide = None
    for k, event in enumerate(events, 1):
        page.click("#next")
        expect(page.locator("#trail tbody tr.current")).to_have_attribute("data-index", str(k))
        if event.element_id:
            expect(element(page, event.element_id)).to_have_class(re.compile(r"\btb-step\b"))
        if event.type == "task_ready" and event.element_id == "review_health" and both_reviews_open is None:
            both_reviews_open = k  # parallel branches: both reviews are open at once
            expect(element(page, "review_market")).to_have_class(re.compile(r"\btb-ready\b"))
            expect(element(page, "review_health")).to_have_class(re.compile(r"\btb-ready\b"))
            page.screenshot(path=str(SHOTS / "replay-parallel.png"), full_page=True)
        if event.type == "task_completed" and event.element_id == "decide" and first_return is None:
            first_return = k
            expect(page.locator("#step-title")).to_contain_text("办理完成")
            expect(page.locator("#step-meta")).to_contain_text("clerk-")
            detail = page.locator("#step-detail")
            expect(detail).to_contain_text("办理后")
            expect(detail).to_contain_text("许可决定")   # the form's label, not the key
            expect(detail).to_contain_text("退回补正")   # the option's label, not "return"
            page.screenshot(path=str(SHOTS / "replay-return.png"), full_page=True)
        if event.type == "task_ready" and event.element_id == "decide" and first_return is not None:
            second_decide = k
            expect(page.locator("#step-title")).to_contain_text("（第 2 次）")
            expect(element(page, "decide")).to_have_class(re.compile(r"\btb-ready\b"))
            page.screenshot(path=str(SHOTS / "replay-loop-round-2.png"), full_page=True)
    assert both_reviews_open and first_return and second_decide
    expect(page.locator("#next")).to_be_disabled()

    # The slider and the keyboard move the same way.
    page.locator("#slider").fill("3")
    expect(page.locator("#trail tbody tr.current")).to_have_attribute("data-index", "3")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#trail tbody tr.current")).to_have_attribute("data-index", "2")

    # Someone edits a review behind the application's back: the page says so and where.
    seq = next(e.seq for e in events if e.type == "task_completed" and e.element_id == "review_market")
    set_data(people, case.id, seq, {"name": "书面审查", "submitted": {"market_opinion": "fail"}})
    page.reload()
    expect(page.locator("#verify-result")).to_contain_text(f"第 {seq} 条事件")
    expect(page.locator(f'#trail tr[data-seq="{seq}"]')).to_have_class(re.compile(r"\bbroken\b"))
    page.screenshot(path=str(SHOTS / "replay-broken.png"), full_page=True)


def test_printable_report(page, people):
    case = start_food(people, FOOD_COMPLETE)
    review_both(people, case.id)
    login(page, "auditor")
    page.goto(f"/cases/{case.id}/report")
    expect(page.locator("#report-title")).to_contain_text(case.number)
    expect(page.locator("#verify-result")).to_contain_text("留痕完整")
    expect(page.locator("#trail tbody tr")).to_have_count(len(people.history.trail(case.id)))
    expect(page.locator("#chain")).to_contain_text(people.history.verify(case.id).head)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "report-print.png"), full_page=True)
