"""电子监察 in the browser: the supervisor's dashboard with charts, the case clock with 特别程序,
and the public overdue notice."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from engine import Actor
from engine.calendar import BEIJING

from .conftest import SHOTS, login

pytestmark = pytest.mark.browser

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))


def accepted_case(engine):
    case = engine.runtime.start("no_criminal_record", APPLICANT)
    (task,) = engine.tasks.for_case(case.id)
    engine.tasks.complete(task.id, WINDOW, {"acceptance": "accept"})
    return case


def overdue_case(engine):
    engine.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = accepted_case(engine)
    engine.clock.freeze(datetime(2026, 12, 8, 9, 0, tzinfo=BEIJING))
    engine.supervision.scan()
    return case


def test_supervisor_lands_on_the_dashboard_and_the_charts_render(page, people):
    overdue_case(people)
    org = people.organisation
    org.create_department("GAJ", "公安局")
    org.update_group("公安局", {"kind": "department", "department": "GAJ"})
    people.users.add("chief", "supervisor", password="chief", display_name="周正")
    org.update_person("chief", {"department": "GAJ"})   # oversees the 公安局 lane
    login(page, "chief")
    page.wait_for_url("**/dashboard")
    expect(page.locator("#nav a.active")).to_have_text("电子监察")
    page.fill("input[name=from]", "2026-11-25")
    page.fill("input[name=to]", "2026-12-08")
    page.click("#filters button[type=submit]")
    expect(page.locator("#figures .figure").first).to_contain_text("收件")
    expect(page.locator("#figures")).to_contain_text("网上办理率")
    for chart in ("#chart-daily", "#chart-cards", "#chart-days"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    expect(page.locator("#overdue tbody tr")).to_have_count(1)
    expect(page.locator("#overdue tbody tr .badge")).to_have_text("红牌")
    page.screenshot(path=str(SHOTS / "tongban-dashboard.png"), full_page=True)


def test_case_page_shows_the_clock_and_a_clerk_runs_a_special_procedure(page, people):
    people.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = accepted_case(people)
    login(page, "window")
    page.goto(f"/cases/{case.id}")
    clock = page.locator("#case-clock")
    expect(clock).to_contain_text("承诺时限至")
    expect(clock).to_contain_text("2026/12/02 23:59:59")
    expect(clock.locator(".badge")).to_have_count(0)              # within its time: no card
    page.select_option("#special-form select[name=kind]", "鉴定")
    page.fill("#special-form input[name=reason]", "需司法鉴定")
    page.click("#special-start")
    expect(clock).to_contain_text("暂停中：特别程序：鉴定")
    expect(page.locator("#special-end-form")).to_be_visible()
    page.screenshot(path=str(SHOTS / "tongban-case-clock.png"), full_page=True)
    page.fill("#special-end-form input[name=reason]", "鉴定意见已出具")
    page.click("#special-end")
    expect(page.locator("#special-end-form")).to_be_hidden()
    expect(page.locator("#special-form")).to_be_visible()


def test_an_auditor_gets_no_special_procedure_buttons(page, people):
    case = accepted_case(people)
    login(page, "auditor")
    page.goto(f"/cases/{case.id}")
    expect(page.locator("#case-clock")).to_be_visible()
    expect(page.locator("#special-form")).to_be_hidden()
    expect(page.locator("#special-end-form")).to_be_hidden()


def test_the_overdue_notice_needs_no_login(page, people):
    case = overdue_case(people)
    page.goto("/overdue")
    expect(page.locator("#overdue tbody tr")).to_have_count(1)
    expect(page.locator("#overdue tbody tr").first).to_contain_text(case.number)
    expect(page.locator("main")).not_to_contain_text("张三")
    page.screenshot(path=str(SHOTS / "tongban-overdue.png"), full_page=True)
