"""The organisation in the browser: an admin builds a department and a clerk who
then works their group's task; every role lands where it works and sees only the
pages it may open; an auditor finds no action button anywhere; forced password
change; a lane without people warns on upload. Screenshots for review are written
to tests/browser/screenshots/."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..conftest import diagram
from .conftest import login

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"
APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
WINDOW = "综合受理窗口"
# Everything that changes something; none of it may show for a role that only looks.
ACTIONS = ("button[data-action], #submit, #claim, #unclaim, #kv-add, #upload button, #new-person, "
           "#dept-form button, #group-form button, a.button.primary")


@pytest.fixture
def org(people):
    """The browser tests' people plus an admin and a supervisor, in a small organisation."""
    SHOTS.mkdir(exist_ok=True)
    o = people.organisation
    o.create_department("ZX", "政务服务中心")
    o.create_department("ZX-SL", "综合受理窗口", "ZX")
    o.create_department("GAJ", "公安局", "ZX")
    o.update_group(WINDOW, {"display_name": "综合受理窗口", "kind": "section", "department": "ZX-SL"})
    o.update_group("公安局", {"kind": "department", "department": "GAJ"})
    o.update_person("window", {"display_name": "王芳", "department": "ZX-SL"})
    people.users.add("admin", "admin", password="admin", display_name="赵敏")
    o.update_person("admin", {"department": "ZX"})
    people.users.add("supervisor", "supervisor", password="supervisor", display_name="周正")
    o.update_person("supervisor", {"department": "GAJ"})
    return people


def log_out(page):
    page.click("#who button")
    page.wait_for_url(re.compile(r"/login"))


def test_admin_creates_a_department_and_a_clerk_who_works_their_groups_task(page, org):
    case = org.runtime.start("no_criminal_record", APPLICANT, {})
    login(page, "admin")
    page.wait_for_url(re.compile(r"/people$"))
    expect(page.locator("#nav a")).to_have_text(["待办", "收件", "办件", "流程定义", "办理组", "人员", "部门", "电子监察", "工作台", "失信名单"])

    page.click("#nav a:has-text('部门')")
    expect(page.locator('#groups tbody tr[data-name="公安局"]')).to_be_visible()  # the page is ready
    page.fill("#dept-form [name=code]", "ZX-SL2")
    page.fill("#dept-form [name=name]", "第二受理窗口")
    page.select_option("#dept-form [name=parent]", "ZX")
    page.click("#dept-save")
    expect(page.locator('#tree li[data-code="ZX"] li[data-code="ZX-SL2"]')).to_contain_text("第二受理窗口")
    page.screenshot(path=str(SHOTS / "departments.png"), full_page=True)

    page.click("#nav a:has-text('人员')")
    expect(page.locator('#people tbody tr[data-name="admin"]')).to_contain_text("赵敏")  # the page is ready
    page.click("#new-person")
    form = page.locator("#person-form")
    form.locator("[name=name]").fill("xiaowang")
    form.locator("[name=display_name]").fill("王小明")
    form.locator("[name=role]").select_option("clerk")
    form.locator("[name=department]").select_option("ZX-SL2")
    form.locator("[name=position]").fill("窗口受理员")
    form.locator(f"input[name=groups][value='{WINDOW}']").check()
    page.screenshot(path=str(SHOTS / "person-new.png"), full_page=True)
    page.click("#person-save")  # no password typed: one is generated and shown once
    secret = page.locator("#secret-password")
    expect(secret).to_be_visible()
    password = secret.inner_text().strip()
    row = page.locator('#people tbody tr[data-name="xiaowang"]')
    expect(row).to_contain_text("王小明")
    expect(row).to_contain_text("第二受理窗口")
    page.screenshot(path=str(SHOTS / "people.png"), full_page=True)
    log_out(page)

    # A generated password must be replaced first; then the clerk lands on 待办.
    login(page, "xiaowang", password)
    page.wait_for_url(re.compile(r"/password"))
    page.fill("[name=old_password]", password)
    page.fill("[name=new_password]", "12345678")
    page.fill("[name=confirm]", "12345678")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#password-error")).to_contain_text("常见")
    page.fill("[name=new_password]", "Chuangkou-2026")
    page.fill("[name=confirm]", "Chuangkou-2026")
    page.click("#password-form button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox$"))
    expect(page.locator("#nav a")).to_have_text(["待办", "收件", "办件"])
    expect(page.locator("#who")).to_contain_text("王小明")
    task = page.locator("#inbox tbody tr", has_text="受理")
    expect(task).to_contain_text(case.number)
    task.locator("button[data-action=claim]").click()
    expect(task.locator("td").nth(3)).to_have_text("我")
    page.screenshot(path=str(SHOTS / "clerk-inbox.png"), full_page=True)
    trail = org.history.trail(case.id)
    assert trail[-1].type == "task_claimed" and trail[-1].actor == "xiaowang"


def test_each_role_lands_where_it_works_and_sees_only_its_pages(page, org):
    expected = {
        "window": ("/inbox", ["待办", "收件", "办件"]),
        "auditor": ("/cases", ["办件", "流程定义", "办理组", "电子监察", "失信名单"]),
        "analyst": ("/definitions", ["流程定义", "办理组", "工作台"]),
        "supervisor": ("/dashboard", ["办件", "电子监察"]),
    }
    for name, (home, nav) in expected.items():
        login(page, name)
        page.wait_for_url(re.compile(home + "$"))
        expect(page.locator("#nav a")).to_have_text(nav)
        page.goto("/")  # the logo: the same landing page
        page.wait_for_url(re.compile(home + "$"))
        log_out(page)


def test_an_auditor_sees_no_action_buttons_on_any_page(page, org):
    from engine import Actor

    case = org.runtime.start("no_criminal_record", APPLICANT, {})
    (task,) = org.tasks.for_case(case.id)
    org.tasks.claim(task.id, Actor("window", "clerk", frozenset({WINDOW})))
    login(page, "auditor")
    page.wait_for_url(re.compile(r"/cases$"))
    pages = {
        "/cases": "#cases tbody tr",
        f"/cases/{case.id}": "#trail tbody tr",
        f"/tasks/{task.id}": "#task-meta dd",
        "/inbox": "#inbox tbody tr",
        "/definitions": "#definitions tbody tr",
        "/definitions/no_criminal_record": "#diagram svg",
        "/staffing": "#processes section",
    }
    for path, content in pages.items():
        page.goto(path)
        expect(page.locator(content).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        visible = page.locator(ACTIONS).locator("visible=true")
        assert visible.count() == 0, f"{path}: {visible.all_inner_texts()}"
        page.screenshot(path=str(SHOTS / f"auditor{path.replace('/', '-')}.png"), full_page=True)
    # Names, not logins: the trail and the case page say who claimed the task and where they work.
    page.goto(f"/cases/{case.id}")
    expect(page.locator("#trail tbody tr", has_text="签收")).to_contain_text("王芳（综合受理窗口）")


def test_an_upload_with_an_unstaffed_lane_warns_and_staffing_shows_it(page, org):
    login(page, "analyst")
    page.set_input_files("#upload input[type=file]", str(diagram("organisation", "lonely.bpmn")))
    page.click("#upload button")
    expect(page.locator("#lane-warnings")).to_contain_text("无人科室")
    expect(page.locator("#lane-warnings")).not_to_contain_text(WINDOW)
    page.screenshot(path=str(SHOTS / "lane-warning.png"), full_page=True)
    page.click("#lane-warnings a")
    page.wait_for_url(re.compile(r"/staffing$"))
    process = page.locator('#processes section[data-key="lonely"]')
    expect(process.locator('tr[data-lane="无人科室"]')).to_contain_text("无在岗人员")
    expect(process.locator(f'tr[data-lane="{WINDOW}"]')).to_contain_text("王芳")
    page.screenshot(path=str(SHOTS / "staffing.png"), full_page=True)

