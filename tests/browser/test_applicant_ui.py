"""The issue's walk for an applicant (#10b): register, apply online for an 一件事 theme with
an uploaded file (draft saved on the way), then find the cases and their progress in
their own case list and with the public progress query (no login). Screenshots for review go
to tests/browser/screenshots/ (git-ignored)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, login
from tests.conftest import ROOT
from tests.window_data import FOOD_COMPLETE

SHOTS = Path(__file__).resolve().parent / "screenshots"
NUMBER = "11010519491231002X"
PDF = b"%PDF-1.4\n% diploma of Zhang San\n"


@pytest.fixture
def themes(people):
    people.applicants.deploy_theme_paths([ROOT / "processes" / "themes"])
    return people


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"applicant-{name}.png"), full_page=True)


def test_applicant_registers_applies_online_with_a_file_and_follows_progress(themes, page):
    page.goto("/register")
    page.fill("[name=name]", "张三")
    page.fill("[name=id_number]", "110105194912310021")   # wrong check digit: told in Chinese, nothing made
    page.fill("[name=password]", "Shenzhen-2026")
    page.fill("[name=password2]", "Shenzhen-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#register-error:not([hidden])")
    assert "身份证号码校验码不正确" in page.inner_text("#register-error")
    shot(page, "1-register-error")
    page.fill("[name=id_number]", NUMBER)
    page.click("button[type=submit]")
    page.wait_for_url("**/my")
    page.wait_for_selector("#who:has-text('张三')")
    page.wait_for_selector("#themes li a")
    shot(page, "2-my-empty")

    page.click("text=高校毕业生落户一件事")
    page.wait_for_url("**/apply/theme/graduate_talent")
    page.wait_for_selector(".fjs-form")
    page.click(".fjs-form-field-select .fjs-input-group")
    page.click(".fjs-dropdownlist-item:has-text('本科')")
    page.get_by_label("年龄（周岁）").fill("22")
    page.get_by_label("毕业年份").fill("2026")
    page.get_by_label("毕业院校").fill("深圳大学")
    choose(page.get_by_label("否"))
    page.set_input_files("input[data-material='毕业证书']",
                         files=[{"name": "毕业证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.wait_for_selector("#materials li:has-text('毕业证书.pdf')")
    page.click("#save-draft")
    page.wait_for_selector("#draft-state:has-text('草稿已保存')")
    page.reload()                                          # the draft is on the server, file included
    page.wait_for_selector("#draft-state:has-text('已载入上次保存的草稿')")
    page.wait_for_selector("#materials li:has-text('毕业证书.pdf')")
    assert page.get_by_label("毕业院校").input_value() == "深圳大学"
    shot(page, "3-apply-theme")
    page.click("#submit")
    page.wait_for_url("**/my")
    page.wait_for_selector("#my-cases tbody tr")
    rows = page.locator("#my-cases tbody tr")
    assert rows.count() == 2
    text = page.inner_text("#my-cases")
    assert "应届毕业生接收" in text and "无犯罪记录证明" in text
    shot(page, "4-my-cases")

    page.click("#my-cases tbody tr:has-text('应届毕业生接收') a")
    page.wait_for_selector("#steps li")
    assert "申请已提交" in page.inner_text("#steps")
    assert "毕业证书.pdf" in page.inner_text("#files")
    assert "无犯罪记录证明" in page.inner_text("#sibling-list")
    shot(page, "5-progress")

    case_id = page.url.rstrip("/").split("/")[-1]
    number = page.evaluate("id => fetch(`/api/v1/cases/${id}`).then(r => r.json()).then(c => c.number)", case_id)
    page.context.clear_cookies()                                  # the public progress query, no login
    page.goto("/progress")
    page.fill("#progress-number", number)
    page.fill("#progress-id", NUMBER)
    page.click("#progress-form button[type=submit]")
    expect(page.locator("#progress-stages li.current")).to_be_visible()
    expect(page.locator("#progress-facts")).to_contain_text("应届毕业生接收")
    shot(page, "5a-public-progress")

    login(page, "auditor")                                        # staff see the sibling on the case page
    page.goto(f"/cases/{case_id}")
    page.wait_for_selector("#siblings:has-text('一件事：高校毕业生落户一件事')")
    assert "无犯罪记录证明" in page.inner_text("#siblings")
    shot(page, "5b-staff-case-siblings")


def test_commitment_online_then_blacklist_lifted_by_an_admin(themes, page):
    from tests.test_matters import work

    themes.users.add("admin", "admin", password="admin")
    page.goto("/register")
    page.fill("[name=name]", "张三")
    page.fill("[name=id_number]", NUMBER)
    page.fill("[name=password]", "Shenzhen-2026")
    page.fill("[name=password2]", "Shenzhen-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/my")
    page.goto("/apply/process/food_business_license")
    page.wait_for_selector("#free-form:not([hidden])")
    page.fill("#note", "老街面馆")
    page.check("input[data-commitment='食品安全管理制度文本']")
    assert page.locator("input[data-material='食品安全管理制度文本']").count() == 0  # committed, not uploaded
    shot(page, "6-commitment")
    page.click("#submit")
    page.wait_for_url("**/my")
    case = themes.runtime.query(themes.users.authenticate(NUMBER, "Shenzhen-2026")).first()
    work(themes, case.id, "accept", FOOD_COMPLETE)
    work(themes, case.id, "review_market", {"market_opinion": "fail", "commitment_true": False})

    page.goto("/apply/process/food_business_license")          # committing again is refused, in Chinese
    page.wait_for_selector("#free-form:not([hidden])")
    page.check("input[data-commitment='食品安全管理制度文本']")
    page.click("#submit")
    page.wait_for_selector("#form-errors:not([hidden])")
    assert "失信名单" in page.inner_text("#form-errors")

    page.context.clear_cookies()
    login(page, "admin")
    page.goto("/blacklist")
    page.wait_for_selector("#listings tbody tr")
    assert NUMBER in page.inner_text("#listings")
    page.click("#listings button:has-text('解除')")
    page.fill("#lift-form [name=reason]", "已完成信用修复")
    page.click("#lift-form button[type=submit]")
    page.wait_for_selector("#listings-empty:not([hidden])")
    page.wait_for_selector("#audit tbody tr:has-text('已完成信用修复')")
    assert "拒绝告知承诺/容缺" in page.inner_text("#audit")
    shot(page, "7-blacklist")


def test_applicant_answers_a_correction_notice_online(themes, page):
    """补正 online: the notice's items on the applicant's case page, a file per material and a
    note, one submit; the case's waiting tasks go on and staff read who answered and what came."""
    from engine.identity.actor import Actor

    themes.applicants.register({"name": "张三", "id_number": NUMBER, "password": "Shenzhen-2026"})
    applicant = {"kind": "person", "id_number": NUMBER, "name": "张三"}
    case = themes.runtime.start("no_criminal_record", applicant)
    themes.runtime.open_correction(case.id, Actor("window", "admin"),
                                   [{"material": "身份证", "problem": "复印件不清晰"}], "材料不清晰")
    login(page, NUMBER, "Shenzhen-2026")
    page.goto(f"/my/cases/{case.id}")
    page.wait_for_selector("#correction:not([hidden])")
    assert "身份证：复印件不清晰" in page.inner_text("#correction-items")
    page.click("#correction-submit")                          # nothing given: told in Chinese, nothing sent
    page.wait_for_selector("text=请上传补正材料或填写说明")
    page.set_input_files("#correction-files input[data-material='身份证']",
                         files=[{"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.fill("#correction-note", "已重新扫描")
    shot(page, "7-correction-answer")
    page.click("#correction-submit")
    page.wait_for_selector("text=已提交补正，办件继续办理")
    expect(page.locator("#files")).to_contain_text("身份证.pdf")   # the reloaded page, once its data is in
    expect(page.locator("#steps")).to_contain_text("已补正")
    expect(page.locator("#correction")).to_be_hidden()

    page.context.clear_cookies()
    login(page, "window")
    page.goto(f"/cases/{case.id}")
    expect(page.locator("#correction-state")).to_contain_text("网上补正，提交材料：身份证（身份证.pdf）；说明：已重新扫描")
    shot(page, "7b-staff-sees-the-answer")
