"""The organisation over the API: departments, people, groups, passwords, sessions,
CSV import, disabling someone who holds tasks, supervisors' scope, names in
tasks and trails, lanes checked against groups."""
import io

from ..conftest import diagram
from .conftest import POLICE_GROUP, WINDOW_GROUP, make_app, open_task, start_case

ACCEPT = {"acceptance": "accept", "purpose": "employment"}


def accepted_case(as_):
    """A case whose window task is done: its open task is the police's review."""
    case = start_case(as_)
    task = open_task(case)
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT}).status_code == 200
    return as_("admin")("GET", f"/api/v1/cases/{case['id']}").get_json()


def login(client, name, password):
    r = client.post("/api/v1/session", json={"name": name, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


# ---- departments and groups -----------------------------------------------------------

def test_departments_form_a_tree(as_):
    admin = as_("admin")
    r = admin("POST", "/api/v1/departments", json={"code": "GAJ-CRJ", "name": "出入境管理科", "parent": "GAJ"})
    assert r.status_code == 201 and r.get_json() == {"code": "GAJ-CRJ", "name": "出入境管理科", "parent": "GAJ"}
    assert admin("POST", "/api/v1/departments", json={"code": "GAJ-CRJ", "name": "x"}).status_code == 409
    bad = admin("POST", "/api/v1/departments", json={"code": "X1", "name": "x", "parent": "NOPE"})
    assert bad.status_code == 422 and bad.get_json()["details"] == {"parent": "NOPE"}
    assert admin("POST", "/api/v1/departments", json={"code": "有 空格", "name": "x"}).status_code == 422
    # Moving the police under its own section would make a loop.
    loop = admin("PATCH", "/api/v1/departments/GAJ", json={"parent": "GAJ-CRJ"})
    assert loop.status_code == 422 and loop.get_json()["error"] == "department_cycle"
    moved = admin("PATCH", "/api/v1/departments/GAJ-CRJ", json={"parent": "ZX", "name": "出入境管理局"})
    assert moved.get_json() == {"code": "GAJ-CRJ", "name": "出入境管理局", "parent": "ZX"}
    tree = {d["code"]: d["parent"] for d in admin("GET", "/api/v1/departments").get_json()["items"]}
    assert tree == {"ZX": None, "ZX-SL": "ZX", "GAJ": "ZX", "GAJ-HZ": "GAJ", "GAJ-CRJ": "ZX"}
    assert admin("PATCH", "/api/v1/departments/NOPE", json={"name": "x"}).status_code == 404


def test_groups_have_display_names_departments_and_members(as_):
    admin = as_("admin")
    r = admin("POST", "/api/v1/groups", json={"name": "食品专班", "display_name": "食品安全专班", "kind": "team",
                                              "department": "GAJ"})
    assert r.status_code == 201
    assert r.get_json() == {"name": "食品专班", "display_name": "食品安全专班", "kind": "team", "department": "GAJ",
                            "department_name": "公安局", "member_count": 0}
    assert admin("POST", "/api/v1/groups", json={"name": "食品专班"}).status_code == 409
    assert admin("POST", "/api/v1/groups", json={"name": "g", "kind": "club"}).status_code == 422
    groups = {g["name"]: g for g in admin("GET", "/api/v1/groups").get_json()["items"]}
    assert groups[POLICE_GROUP]["member_count"] == 1 and groups[POLICE_GROUP]["kind"] == "department"
    r = admin("PATCH", f"/api/v1/groups/{POLICE_GROUP}", json={"display_name": "市公安局"})
    assert r.status_code == 200 and r.get_json()["display_name"] == "市公安局"
    assert admin("PATCH", "/api/v1/groups/没有的组", json={"display_name": "x"}).status_code == 404

    # The picker for 转办/委派: the group's active people, for its own clerks.
    members = as_("police")("GET", f"/api/v1/groups/{POLICE_GROUP}/members").get_json()
    assert [m["name"] for m in members["items"]] == ["police"]
    assert members["items"][0]["department"] == "GAJ-HZ" and members["items"][0]["department_name"] == "户政科"
    assert as_("window")("GET", f"/api/v1/groups/{POLICE_GROUP}/members").status_code == 403
    assert admin("GET", "/api/v1/groups/没有的组/members").status_code == 404


# ---- people ----------------------------------------------------------------------------

def test_create_search_edit_and_move_people(as_):
    admin = as_("admin")
    body = {"name": "wangfang", "display_name": "王芳", "role": "clerk", "department": "ZX-SL",
            "groups": [WINDOW_GROUP], "password": "Chuangkou-2026", "position": "窗口受理员", "phone": "0755-1234"}
    r = admin("POST", "/api/v1/users", json=body)
    assert r.status_code == 201
    user = r.get_json()
    assert user["password"] is None  # chosen by the admin: not echoed
    assert user["department"] == "ZX-SL" and user["department_name"] == "综合受理窗口"
    assert user["groups"] == [WINDOW_GROUP] and user["password_change_required"] is False
    assert admin("POST", "/api/v1/users", json=body).status_code == 409

    found = admin("GET", "/api/v1/users?q=王").get_json()
    assert [u["name"] for u in found["items"]] == ["wangfang"]
    assert {u["name"] for u in admin("GET", "/api/v1/users?department=ZX").get_json()["items"]} \
        >= {"wangfang", "window", "police", "supervisor", "admin"}  # the subtree
    assert [u["name"] for u in admin("GET", "/api/v1/users?department=GAJ-HZ").get_json()["items"]] == ["police"]
    assert {u["name"] for u in admin("GET", f"/api/v1/users?group={WINDOW_GROUP}").get_json()["items"]} \
        == {"wangfang", "window"}

    moved = admin("PATCH", "/api/v1/users/wangfang", json={"department": "GAJ", "groups": [POLICE_GROUP],
                                                           "position": "民警"})
    assert moved.status_code == 200
    assert moved.get_json()["department"] == "GAJ" and moved.get_json()["groups"] == [POLICE_GROUP]
    assert admin("GET", "/api/v1/users/wangfang").get_json()["position"] == "民警"
    assert admin("GET", "/api/v1/users/nobody").status_code == 404

    problems = admin("POST", "/api/v1/users", json={"name": "x y", "display_name": "甲", "role": "supervisor",
                                                    "department": "NOPE", "groups": ["没有的组"]})
    assert problems.status_code == 422
    assert set(problems.get_json()["details"]) == {"name", "department", "groups"}
    nodept = admin("POST", "/api/v1/users", json={"name": "sup2", "display_name": "乙", "role": "supervisor"})
    assert nodept.status_code == 422 and "department" in nodept.get_json()["details"]
    # An admin cannot lock themselves out.
    assert admin("PATCH", "/api/v1/users/admin", json={"active": False}).get_json()["error"] == "self_lockout"


def test_password_policy(as_):
    admin = as_("admin")
    for weak in ("short", "password123", "aaaaaaaaaa", "xiaoming-2026"):
        r = admin("POST", "/api/v1/users", json={"name": "xiaoming", "display_name": "小明", "role": "clerk",
                                                 "password": weak})
        assert r.status_code == 422 and "password" in r.get_json()["details"], weak


def test_generated_password_is_shown_once_and_must_be_changed(deployed, client, as_):
    r = as_("admin")("POST", "/api/v1/users", json={"name": "liuyang", "display_name": "刘洋", "role": "clerk",
                                                    "department": "GAJ", "groups": [POLICE_GROUP]})
    password = r.get_json()["password"]
    assert len(password) >= 12 and r.get_json()["password_change_required"] is True
    assert "password" not in as_("admin")("GET", "/api/v1/users/liuyang").get_json()

    who = login(client, "liuyang", password)
    assert who["password_change_required"] is True and who["display_name"] == "刘洋" and who["department"] == "公安局"
    csrf = {"X-CSRF-Token": who["csrf_token"]}
    blocked = client.get("/api/v1/tasks")
    assert blocked.status_code == 403 and blocked.get_json()["error"] == "password_change_required"
    weak = client.post("/api/v1/session/password", json={"old_password": password, "new_password": "12345678"},
                       headers=csrf)
    assert weak.status_code == 422 and weak.get_json()["error"] == "weak_password"
    wrong = client.post("/api/v1/session/password", json={"old_password": "nope", "new_password": "Hz-2026-liu"},
                        headers=csrf)
    assert wrong.status_code == 422 and wrong.get_json()["error"] == "wrong_password"
    ok = client.post("/api/v1/session/password", json={"old_password": password, "new_password": "Hz-2026-liu"},
                     headers=csrf)
    assert ok.status_code == 200 and ok.get_json()["password_change_required"] is False
    assert client.get("/api/v1/tasks").status_code == 200

    # Reset: a new password shown once, the person's sessions end, the change is due again.
    reset = as_("admin")("POST", "/api/v1/users/liuyang/password").get_json()["password"]
    assert client.get("/api/v1/session").status_code == 401
    assert login(client, "liuyang", reset)["password_change_required"] is True


def test_demo_mode_lets_demo_passwords_be(deployed):
    deployed.users.add("demo", "clerk", password="demo", password_change_required=True)
    strict, demo = make_app(deployed).test_client(), make_app(deployed, TONGBAN_DEMO=True).test_client()
    assert login(strict, "demo", "demo")["password_change_required"] is True
    assert strict.get("/api/v1/cases").status_code == 403
    assert login(demo, "demo", "demo")["password_change_required"] is False
    assert demo.get("/api/v1/cases").status_code == 200


def test_sessions_and_log_out_everywhere(deployed, as_):
    deployed.users.set_password("window", "window")
    browsers = [make_app(deployed).test_client() for _ in range(2)]
    for browser in browsers:
        login(browser, "window", "window")
    sessions = as_("admin")("GET", "/api/v1/users/window/sessions").get_json()["items"]
    assert len(sessions) == 2 and all(s["revoked_at"] is None for s in sessions)
    assert as_("admin")("DELETE", "/api/v1/users/window/sessions").get_json() == {"ended": 2}
    assert all(b.get("/api/v1/session").status_code == 401 for b in browsers)
    assert all(s["revoked_at"] for s in as_("admin")("GET", "/api/v1/users/window/sessions").get_json()["items"])
    assert as_("admin")("GET", "/api/v1/users/nobody/sessions").status_code == 404


# ---- CSV import --------------------------------------------------------------------------

CSV = """name,display_name,role,department,groups,position,phone,password
zhaolei,赵磊,clerk,GAJ-HZ,公安局,户籍民警,0755-1,
qianli,钱丽,clerk,NOPE,没有的组,,,
window,重名,clerk,GAJ,,,,
sunwei,,wizard,GAJ,,,,123
zhaolei,赵磊二,clerk,GAJ,,,,
"""


def test_csv_import_dry_run_reports_every_bad_line_and_imports_nothing(as_):
    admin = as_("admin")
    r = admin("POST", "/api/v1/users/import?dry_run=1", json={"csv": CSV})
    assert r.status_code == 200
    report = r.get_json()
    assert report["dry_run"] is True and report["valid"] == 1 and report["created"] == []
    by_line = {p["line"]: p["problems"] for p in report["problems"]}
    assert set(by_line) == {3, 4, 5, 6}
    assert set(by_line[3]) == {"department", "groups"}
    assert by_line[4] == {"name": "用户已存在"}
    assert set(by_line[5]) == {"display_name", "role", "password"}
    assert by_line[6]["name"] == "与第2行重复"
    assert admin("GET", "/api/v1/users/zhaolei").status_code == 404

    # Importing with bad lines: refused whole, the same report in details.
    r = admin("POST", "/api/v1/users/import?dry_run=0", json={"csv": CSV})
    assert r.status_code == 422 and r.get_json()["error"] == "import_invalid"
    assert len(r.get_json()["details"]["problems"]) == 4
    assert admin("GET", "/api/v1/users/zhaolei").status_code == 404

    good = "\ufeff" + "\n".join(CSV.splitlines()[:2]) + "\nlihua,李华,supervisor,GAJ,,,,Jiandu-2026!\n"
    assert admin("POST", "/api/v1/users/import?dry_run=1", json={"csv": good}).get_json()["problems"] == []
    r = admin("POST", "/api/v1/users/import?dry_run=0", json={"csv": good})
    assert r.status_code == 201
    created = {c["name"]: c for c in r.get_json()["created"]}
    assert created["zhaolei"]["password"] and created["lihua"]["password"] is None
    user = admin("GET", "/api/v1/users/zhaolei").get_json()
    assert user["groups"] == [POLICE_GROUP] and user["department"] == "GAJ-HZ" and user["password_change_required"]


def test_csv_import_refuses_a_file_without_the_columns(as_):
    r = as_("admin")("POST", "/api/v1/users/import?dry_run=1", json={"csv": "login;name\nx;y\n"})
    assert r.status_code == 200 and "header" in r.get_json()["problems"][0]["problems"]


# ---- disabling someone who holds tasks ---------------------------------------------------

def test_disabling_a_person_returns_their_claimed_tasks_to_the_group(deployed, as_):
    cases = [start_case(as_) for _ in range(2)]
    tasks = [open_task(c) for c in cases]
    for task in tasks:
        assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    deployed.users.add("window2", "clerk", groups=[WINDOW_GROUP])
    other = type(as_("window"))(as_("window").client, deployed.users.issue_token("window2"))
    assert other("GET", "/api/v1/tasks").get_json()["total"] == 0  # both held by window

    r = as_("admin")("PATCH", "/api/v1/users/window", json={"active": False})
    assert r.status_code == 200
    assert r.get_json()["active"] is False and sorted(r.get_json()["released_tasks"]) == sorted(t["id"] for t in tasks)
    inbox = other("GET", "/api/v1/tasks").get_json()
    assert inbox["total"] == 2 and all(t["assignee"] is None for t in inbox["items"])
    for case in cases:
        last = as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"][-1]
        assert last["type"] == "task_unclaimed" and last["actor"] == "admin"
        assert last["data"]["previous_assignee"] == "window" and last["data"]["reason"] == "person_disabled"
    assert as_("window")("GET", "/api/v1/session").status_code == 401  # tokens stop too
    assert as_("admin")("GET", "/api/v1/users?active=false").get_json()["items"][0]["name"] == "window"
    # Enabled again: may log in, but the tasks stay with the group.
    assert as_("admin")("PATCH", "/api/v1/users/window", json={"active": True}).get_json()["released_tasks"] == []
    assert as_("window")("GET", "/api/v1/tasks").get_json()["total"] == 2


# ---- names everywhere --------------------------------------------------------------------

def test_tasks_cases_and_trails_carry_real_names(deployed, as_):
    deployed.organisation.update_person("window", {"display_name": "王芳"})
    case = start_case(as_)
    task = open_task(case)
    claimed = as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").get_json()
    assert claimed["assignee"] == "window" and claimed["assignee_name"] == "王芳"
    assert claimed["assignee_department"] == "综合受理窗口"
    [item] = as_("window")("GET", "/api/v1/tasks").get_json()["items"]
    assert item["assignee_name"] == "王芳" and item["case"]["number"] == case["number"]
    detail = as_("admin")("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert detail["tasks"][0]["assignee_name"] == "王芳" and detail["started_by_name"] == "portal"
    done = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT}).get_json()
    assert done["completed_by_name"] == "王芳"
    events = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    claim = next(e for e in events if e["type"] == "task_claimed")
    assert (claim["actor"], claim["actor_name"], claim["actor_department"]) == ("window", "王芳", "综合受理窗口")
    assert next(e for e in events if e["type"] == "task_ready")["actor_name"] is None  # the engine's own
    # A renamed person is renamed in the old trail too: the name is looked up, not copied.
    deployed.organisation.update_person("window", {"display_name": "王芳芳"})
    events = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    assert next(e for e in events if e["type"] == "task_claimed")["actor_name"] == "王芳芳"


# ---- supervisors ---------------------------------------------------------------------------

def test_a_supervisor_sees_the_cases_of_their_department_subtree_read_only(as_):
    window_only = start_case(as_)          # its task is in the window's lane (the centre)
    police = accepted_case(as_)            # now in the police's lane: the supervisor's department
    supervisor = as_("supervisor")
    listed = [c["id"] for c in supervisor("GET", "/api/v1/cases").get_json()["items"]]
    assert listed == [police["id"]]
    assert supervisor("GET", f"/api/v1/cases/{police['id']}/trail").status_code == 200
    assert supervisor("GET", f"/api/v1/cases/{window_only['id']}").status_code == 404
    review = open_task(police)
    assert supervisor("POST", f"/api/v1/tasks/{review['id']}/claim").status_code == 403
    assert supervisor("POST", "/api/v1/cases", json={"process": "no_criminal_record"}).status_code == 403


# ---- lanes checked against groups ------------------------------------------------------------

LONELY = diagram("organisation", "lonely.bpmn").read_text(encoding="utf-8")  # a lane nobody staffs


def deploy(caller, text):
    return caller("POST", "/api/v1/definitions", data={"file": (io.BytesIO(text.encode()), "lonely.bpmn")},
                  content_type="multipart/form-data")


def test_a_lane_without_active_people_deploys_with_a_warning(as_):
    r = deploy(as_("analyst"), LONELY)
    assert r.status_code == 201
    assert [(w["process"], w["lane"]) for w in r.get_json()["warnings"]] == [("lonely", "无人科室")]
    assert "无人科室" in r.get_json()["warnings"][0]["message"]

    staffing = {p["key"]: p for p in as_("analyst")("GET", "/api/v1/staffing").get_json()["items"]}
    lanes = {lane["lane"]: lane for lane in staffing["lonely"]["lanes"]}
    assert lanes["无人科室"]["group"] is None and lanes["无人科室"]["members"] == []
    assert [m["name"] for m in lanes["综合受理窗口"]["members"]] == ["window"]
    assert lanes["综合受理窗口"]["group"]["department"] == "ZX-SL"

    # Somebody joins the group: the next deployment is quiet; a disabled member does not count.
    as_("admin")("POST", "/api/v1/groups", json={"name": "无人科室", "kind": "section", "department": "GAJ"})
    as_("admin")("PATCH", "/api/v1/users/police", json={"groups": [POLICE_GROUP, "无人科室"]})
    assert deploy(as_("analyst"), LONELY.replace("审查", "实质审查")).get_json()["warnings"] == []
    as_("admin")("PATCH", "/api/v1/users/police", json={"active": False})
    assert len(deploy(as_("analyst"), LONELY.replace("审查", "复审")).get_json()["warnings"]) == 1
