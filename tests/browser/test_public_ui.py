"""The public pages (办事指南, 进度查询) without a login, and the case page's 电子证照 card."""
import pytest
from playwright.sync_api import expect

from engine import Actor

from .conftest import SHOTS, login

pytestmark = pytest.mark.browser

OPERATOR = {"kind": "person", "id_number": "440301198503151232", "name": "陈小餐"}
SHOP = {"business_name": "陈记肠粉店", "organisation_form": "individual", "business_scope": "小型餐饮",
        "premises": "深圳市福田区某路1号", "capital": 10}


def finish(engine, case_id, element, data):
    task = {t.element_id: t for t in engine.tasks.for_case(case_id)}[element]
    engine.tasks.complete(task.id, Actor("admin", "admin"), data)


def test_guide_list_and_detail_need_no_login(page, people):
    page.goto("/guide")
    rows = page.locator("#matters tbody tr")
    expect(rows).to_have_count(len(people.repository.matters()))
    page.get_by_role("link", name="食品经营许可").click()
    page.wait_for_url("**/guide/11440300MB2C876147000110021000001")
    facts = page.locator("#guide-facts")
    expect(facts).to_contain_text("行政许可")
    expect(facts).to_contain_text("20 个工作日")
    expect(facts).to_contain_text("0755-12345")
    expect(page.locator("#materials")).to_contain_text("已有「营业执照」电子证照的免交")
    page.screenshot(path=str(SHOTS / "tongban-guide.png"), full_page=True)


def test_progress_page_answers_only_the_right_identity_number(page, people):
    case = people.runtime.start("individual_business_registration", OPERATOR, SHOP)
    finish(people, case.id, "accept", {"acceptance": "accept"})
    page.goto("/progress")
    page.fill("#progress-number", case.number)
    page.fill("#progress-id", "11010519491231002X")
    page.click("#progress-form button[type=submit]")
    expect(page.locator("#progress-none")).to_contain_text("未找到该办件")
    expect(page.locator("#progress-result")).to_be_hidden()
    page.fill("#progress-id", OPERATOR["id_number"])
    page.click("#progress-form button[type=submit]")
    expect(page.locator("#progress-stages li.current")).to_have_text("决定")
    expect(page.locator("#progress-facts")).to_contain_text("个体工商户设立登记")
    expect(page.locator("main")).not_to_contain_text("陈小餐")
    page.screenshot(path=str(SHOTS / "tongban-progress.png"), full_page=True)


def test_case_page_shows_the_reused_licence(page, people):
    shop = people.runtime.start("individual_business_registration", OPERATOR, SHOP)
    finish(people, shop.id, "accept", {"acceptance": "accept"})
    finish(people, shop.id, "review", {"decision": "approve"})
    food = people.runtime.start("food_business_license", OPERATOR)
    login(page, "window")
    page.goto(f"/cases/{food.id}")
    card = page.locator("#case-licences")
    expect(card).to_be_visible()
    expect(card).to_contain_text("材料「营业执照」已由电子证照自动提供")
    expect(card).to_contain_text("GT4403")
    expect(page.locator("main")).not_to_contain_text(OPERATOR["id_number"])  # masked for a clerk
    page.screenshot(path=str(SHOTS / "tongban-case-licence.png"), full_page=True)
