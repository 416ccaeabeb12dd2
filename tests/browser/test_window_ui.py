"""The front window walked in a browser (#9): 收件 → acceptance with one tolerable material
missing → print the 容缺受理告知书 → record the supplement → reviews → 出件 by post."""
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..test_matters import decide, review_both, work
from .conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent / "screenshots"


def test_window_clerk_takes_in_accepts_under_tolerance_records_the_supplement_and_posts_the_licence(page, people):
    SHOTS.mkdir(exist_ok=True)
    login(page, "window")

    # 收件: the matter by name, the applicant, each material as received
    page.goto("/intake")
    expect(page.locator("#intake-matter option", has_text="食品经营许可")).to_have_count(1)
    page.select_option("#intake-matter", label="食品经营许可")
    page.check("input[name=kind][value=org]")
    page.fill("#applicant-name", "福州某某餐饮有限公司")
    page.fill("#applicant-id", "91350100M000100Y43")
    rows = page.locator("#intake-materials tbody tr")
    expect(rows).to_have_count(7)
    for i in range(7):
        name = rows.nth(i).get_attribute("data-material")
        if name == "经营场所平面图":
            rows.nth(i).locator("input[type=file]").set_input_files(
                {"name": "平面图.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 plan"})
        elif name != "从业人员健康证明":
            rows.nth(i).locator("select").select_option("original")
    page.screenshot(path=str(SHOTS / "window-intake.png"), full_page=True)
    page.click("#intake-submit")
    page.wait_for_url(re.compile(r"/tasks/\d+$"))

    # 受理: the checklist comes from the catalogue; one tolerable material missing → 容缺受理
    checklist = page.locator("#material-checklist tbody tr")
    expect(checklist).to_have_count(7)
    health = page.locator('#material-checklist tr[data-material="从业人员健康证明"]')
    expect(health).to_contain_text("可容缺")
    expect(health).to_contain_text("收件未登记")
    expect(page.locator('#material-checklist tr[data-material="营业执照"]')).to_contain_text("已核验原件")
    expect(page.locator('#material-checklist tr[data-material="经营场所平面图"]')).to_contain_text("已上传")
    health.locator("input[value=missing]").check()
    # 容缺受理 without a deadline is refused by the server, in Chinese, next to the field's name
    page.check("input[name=acceptance][value=tolerate]")
    page.click("#submit")
    expect(page.locator("#form-errors")).to_contain_text("补正期限")
    due = date.today() + timedelta(days=7)
    page.fill("input[name=supplement_due]", due.isoformat())
    page.screenshot(path=str(SHOTS / "window-acceptance.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])

    # The case waits for the supplement, by name and deadline; the diagram marks the wait
    waiting = page.locator("#waiting")
    expect(waiting).to_contain_text("等待补正材料")
    expect(waiting).to_contain_text(f"{due:%Y/%m/%d}")
    expect(page.locator('#diagram .djs-element[data-element-id="wait_supplement"]')).to_have_class(
        re.compile(r"\btb-waiting\b"))
    data = page.locator("#case-data")
    expect(data).to_contain_text("受理决定")      # labels, not keys
    expect(data).to_contain_text("容缺受理")
    expect(data).not_to_contain_text("missing_materials")

    # 容缺受理告知书: numbered, lists what to supplement and by when
    page.goto(f"/cases/{case_id}/notices/tolerance")
    doc = page.locator("#notice-doc")
    expect(page.locator("#doc-title")).to_have_text("容缺受理告知书")
    expect(page.locator("#doc-number")).to_contain_text("通办容字")
    expect(doc).to_contain_text("从业人员健康证明")
    expect(doc).to_contain_text(f"{due.year}年{due.month}月{due.day}日")
    expect(doc).to_contain_text("福州某某餐饮有限公司")
    page.screenshot(path=str(SHOTS / "window-tolerance-notice.png"), full_page=True)
    number = page.locator("#doc-number").inner_text()

    # Recording the supplement: the wait's own form, with an attachment
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#notices")).to_contain_text(number)
    expect(page.locator("#trail")).to_contain_text("出具文书")
    page.click("#waiting button.record")
    dialog = page.locator("#record-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("从业人员健康证明").check()
    page.set_input_files("#record-files", {"name": "健康证.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 hc"})
    page.screenshot(path=str(SHOTS / "window-record-supplement.png"), full_page=True)
    page.click("#record-ok")
    page.wait_for_load_state("load")
    expect(page.locator("#waiting")).not_to_contain_text("等待补正材料")
    expect(page.locator("#open-tasks")).to_contain_text("核验补正材料")

    # The back office reviews and decides (engine calls: other clerks' pages are tested elsewhere)
    work(people, case_id, "verify_supplement", {"supplement_opinion": "健康证明已补齐",
                                                "received_materials": ["health_certificates"]})
    review_both(people, case_id)
    decide(people, case_id, "approve")

    # 出件 by post
    page.goto(f"/cases/{case_id}")
    page.locator("#open-tasks a", has_text="出件").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    page.get_by_label("食品经营许可证编号").fill("JY13501000000001")
    page.check("input[name=delivery_method][value=post]")
    page.fill("input[name=carrier]", "中国邮政EMS")
    page.fill("input[name=tracking_number]", "1190000000001")
    page.screenshot(path=str(SHOTS / "window-delivery.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#delivery")).to_have_text("送达：邮寄送达（中国邮政EMS 1190000000001）")
    expect(page.locator("#case-meta")).to_contain_text("准予")
    page.screenshot(path=str(SHOTS / "window-delivered.png"), full_page=True)


def test_the_checklist_names_a_material_an_e_licence_supplied(page, people):
    """一证申办: the 营业执照 the applicant already holds came from the e-licence library at
    start; the window's checklist says so and marks it present."""
    from ..test_licences import OPERATOR, register_shop

    licence = people.licences.of_case(register_shop(people).id)["issued"][0]
    food = people.runtime.start("food_business_license", OPERATOR)
    accept = {t.element_id: t for t in people.tasks.for_case(food.id)}["accept"]
    login(page, "window")
    page.goto(f"/tasks/{accept.id}")
    row = page.locator('#material-checklist tr[data-material="营业执照"]')
    expect(row).to_contain_text(f"已调取电子证照 {licence.number}")
    expect(row.locator("input[value=present]")).to_be_checked()
    expect(page.locator('#material-checklist tr[data-material="从业人员健康证明"] input[value=present]')).not_to_be_checked()
    page.screenshot(path=str(SHOTS / "window-licence-supplied.png"), full_page=True)
