"""The authorisation matrix: every role (and a second user of the same role, for
scope) against every endpoint, table-driven. Each cell gets fresh objects, so a
cell that changes state cannot disturb the next one."""
from itertools import count
from pathlib import Path

import pytest

from .conftest import APPLICANT, PEOPLE, open_task, start_case

USERS = list(PEOPLE)  # admin analyst auditor portal hotline window police supervisor
SERIAL = count(1)  # fresh names for the objects each cell creates
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _local_receivers_allowed(monkeypatch):
    """Receivers here listen on 127.0.0.1, which webhooks reach only through the allow-list."""
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "127.0.0.1")


def case_of_portal(as_):
    return start_case(as_, who="portal")


def task_of_window(as_, claimed=False):
    task = open_task(case_of_portal(as_))
    if claimed:
        assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    return task


def accepted_case_of_portal(as_):
    """A case the window accepted: its clock runs and the police review it."""
    case = case_of_portal(as_)
    r = as_("window")("POST", f"/api/v1/tasks/{open_task(case)['id']}/complete", json={"data": {"acceptance": "accept"}})
    assert r.status_code == 200
    return case["id"]


def webhook_of_portal(as_):
    r = as_("portal")("POST", "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["case_started"]})
    assert r.status_code == 201
    return r.get_json()


def delivery_of_portal(as_):
    hook = webhook_of_portal(as_)
    case_of_portal(as_)
    items = as_("portal")("GET", f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()["items"]
    return hook, items[0]


def token_of_window(as_):
    r = as_("window")("POST", "/api/v1/tokens", json={"days": 1})
    assert r.status_code == 201
    return r.get_json()["id"]


def person_of_admin(as_):
    name = f"p{next(SERIAL)}"
    r = as_("admin")("POST", "/api/v1/users", json={"name": name, "display_name": "测试", "role": "clerk",
                                                    "department": "GAJ-HZ", "groups": ["公安局"]})
    assert r.status_code == 201, r.get_json()
    return name


def new_person():
    return {"name": f"n{next(SERIAL)}", "display_name": "新人", "role": "clerk", "department": "GAJ",
            "groups": ["公安局"]}


def new_department():
    return {"code": f"D{next(SERIAL)}", "name": "新科室", "parent": "GAJ"}


def new_group():
    return {"name": f"专班{next(SERIAL)}", "display_name": "专班", "kind": "team", "department": "GAJ"}


def csv_text():
    return {"csv": f"name,display_name,role,department,groups\nc{next(SERIAL)},导入,clerk,GAJ,公安局\n"}


def completed_by_window(as_):
    task = task_of_window(as_)
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "accept"}}
                         ).status_code == 200
    return task


def signed_by_window(as_):
    task = task_of_window(as_)
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/sign", json={"users": ["police"]}).status_code == 200
    return task


def correction_of(as_):
    case = case_of_portal(as_)
    r = as_("window")("POST", f"/api/v1/cases/{case['id']}/correction",
                      json={"items": [{"material": "身份证", "problem": "复印件不清晰"}]})
    assert r.status_code == 201
    return case


def attachment_of(as_):
    case = case_of_portal(as_)
    r = as_("portal")("POST", f"/api/v1/cases/{case['id']}/attachments", **attachment())
    assert r.status_code == 201
    return case, r.get_json()


def attachment():
    import io
    return {"data": {"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}, "content_type": "multipart/form-data"}


def upload():
    path = ROOT / "forms" / "no_criminal_record_deliver.form"
    return {"data": {"file": (path.open("rb"), path.name)}, "content_type": "multipart/form-data"}


# (name, prepare(as_) -> (method, path, json, extra kwargs), {user: status}); a user not named gets 403.
ALL_200 = {u: 200 for u in USERS}
MATRIX = [
    ("who am i", lambda a: ("GET", "/api/v1/session", None, {}), ALL_200),
    ("my tokens", lambda a: ("GET", "/api/v1/tokens", None, {}), ALL_200),
    ("new token", lambda a: ("POST", "/api/v1/tokens", {"days": 1}, {}), {u: 201 for u in USERS}),
    ("someone's tokens", lambda a: ("GET", "/api/v1/tokens?user=window", None, {}),
     {"admin": 200, "window": 200}),
    ("revoke a token", lambda a: ("DELETE", f"/api/v1/tokens/{token_of_window(a)}", None, {}),
     {"admin": 204, "window": 204, **{u: 404 for u in USERS if u not in ("admin", "window")}}),
    ("failed jobs", lambda a: ("GET", "/api/v1/jobs", None, {}), {"admin": 200, "auditor": 200}),
    ("retry a job", lambda a: ("POST", "/api/v1/jobs/999/retry", None, {}), {"admin": 404}),
    ("incidents", lambda a: ("GET", "/api/v1/incidents", None, {}), {"admin": 200, "auditor": 200}),
    ("list definitions", lambda a: ("GET", "/api/v1/definitions", None, {}), ALL_200),
    ("deploy", lambda a: ("POST", "/api/v1/definitions", None, upload()), {"admin": 200, "analyst": 200}),
    ("definition source", lambda a: ("GET", "/api/v1/definitions/bpmn/no_criminal_record", None, {}),
     {"admin": 200, "analyst": 200, "auditor": 200}),
    # GET /api/v1/matters is public (the guide): tests/api/test_public_guide_api.py
    ("start case", lambda a: ("POST", "/api/v1/cases",
                              {"process": "no_criminal_record", "applicant": APPLICANT}, {}),
     {"admin": 201, "portal": 201, "hotline": 201, "window": 201}),  # window: 收件 (#9)
    ("list cases", lambda a: ("GET", "/api/v1/cases", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 200, "window": 200, "police": 200,
      "supervisor": 200}),
    ("get case", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("trail", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/trail", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("verify trail", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/verify", None, {}),
     {"admin": 200, "auditor": 200}),
    ("replay", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/replay", None, {}),
     {"admin": 200, "auditor": 200}),
    ("export trail", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/export", None, {}),
     {"admin": 200, "auditor": 200}),
    ("case diagram", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/diagram", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("special procedure", lambda a: ("POST", f"/api/v1/cases/{accepted_case_of_portal(a)}/special-procedure",
                                     {"kind": "鉴定", "reason": "需司法鉴定"}, {}),
     {"admin": 200, "window": 200, "police": 200}),
    ("end special procedure", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/special-procedure/end",
                                         {"reason": "鉴定完成"}, {}),
     {"admin": 409, "window": 409, "police": 404}),
    ("status history", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/status-history", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("statistics", lambda a: ("GET", "/api/v1/stats", None, {}), {"admin": 200, "auditor": 200, "supervisor": 200}),
    ("message", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/messages", {"name": "tax_paid"}, {}),
     {"admin": 409, "portal": 409, "hotline": 404, "window": 409, "police": 404}),
    ("inbox", lambda a: ("GET", "/api/v1/tasks", None, {}),
     {"admin": 200, "auditor": 200, "window": 200, "police": 200}),
    ("get task", lambda a: ("GET", f"/api/v1/tasks/{task_of_window(a)['id']}", None, {}),
     {"admin": 200, "auditor": 200, "window": 200, "police": 404}),
    ("claim", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/claim", None, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("unclaim", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a, claimed=True)['id']}/unclaim", None, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("complete", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/complete",
                            {"data": {"acceptance": "accept"}}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    # The organisation: admins only, except a group's members for clerks of that group.
    ("list users", lambda a: ("GET", "/api/v1/users?q=p", None, {}), {"admin": 200}),
    ("create user", lambda a: ("POST", "/api/v1/users", new_person(), {}), {"admin": 201}),
    ("get user", lambda a: ("GET", f"/api/v1/users/{person_of_admin(a)}", None, {}), {"admin": 200}),
    ("update user", lambda a: ("PATCH", f"/api/v1/users/{person_of_admin(a)}", {"position": "科员"}, {}),
     {"admin": 200}),
    ("reset password", lambda a: ("POST", f"/api/v1/users/{person_of_admin(a)}/password", None, {}),
     {"admin": 200}),
    ("user sessions", lambda a: ("GET", "/api/v1/users/window/sessions", None, {}), {"admin": 200}),
    ("log out everywhere", lambda a: ("DELETE", f"/api/v1/users/{person_of_admin(a)}/sessions", None, {}),
     {"admin": 200}),
    ("import dry run", lambda a: ("POST", "/api/v1/users/import?dry_run=1", csv_text(), {}), {"admin": 200}),
    ("import", lambda a: ("POST", "/api/v1/users/import?dry_run=0", csv_text(), {}), {"admin": 201}),
    ("list departments", lambda a: ("GET", "/api/v1/departments", None, {}), {"admin": 200}),
    ("create department", lambda a: ("POST", "/api/v1/departments", new_department(), {}), {"admin": 201}),
    ("update department", lambda a: ("PATCH", "/api/v1/departments/GAJ-HZ", {"name": "户政管理科"}, {}),
     {"admin": 200}),
    ("list groups", lambda a: ("GET", "/api/v1/groups", None, {}), {"admin": 200}),
    ("create group", lambda a: ("POST", "/api/v1/groups", new_group(), {}), {"admin": 201}),
    ("update group", lambda a: ("PATCH", "/api/v1/groups/公安局", {"display_name": "市公安局"}, {}),
     {"admin": 200}),
    ("group members", lambda a: ("GET", "/api/v1/groups/公安局/members", None, {}),
     {"admin": 200, "police": 200}),
    ("staffing", lambda a: ("GET", "/api/v1/staffing", None, {}), {"admin": 200, "analyst": 200, "auditor": 200}),
    ("change own password", lambda a: ("POST", "/api/v1/session/password",
                                       {"old_password": "x", "new_password": "y"}, {}), {u: 422 for u in USERS}),
    ("return targets", lambda a: ("GET", f"/api/v1/tasks/{task_of_window(a)['id']}/return-targets", None, {}),
     {"admin": 200, "auditor": 200, "window": 200, "police": 404}),
    ("return", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/return",
                          {"to": "nowhere", "reason": "x"}, {}),
     {"admin": 409, "window": 409, "police": 404}),
    ("transfer", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/transfer", {"to": "police"}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("delegate", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/delegate", {"to": "police"}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("sign", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/sign", {"users": ["police"]}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("unsign", lambda a: ("POST", f"/api/v1/tasks/{signed_by_window(a)['id']}/unsign", {"users": ["police"]}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("cc", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/cc", {"users": ["police"]}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("withdraw", lambda a: ("POST", f"/api/v1/tasks/{completed_by_window(a)['id']}/withdraw", {}, {}),
     {"admin": 200, "window": 200, "police": 404}),
    ("urge", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/urge", {"message": "请尽快"}, {}),
     {"admin": 200, "window": 200, "portal": 200, "hotline": 404, "police": 404}),
    ("task attachment", lambda a: ("POST", f"/api/v1/tasks/{task_of_window(a)['id']}/attachments", None,
                                   attachment()),
     {"admin": 201, "window": 201, "police": 404}),
    ("done tab", lambda a: ("GET", "/api/v1/tasks/done", None, {}), {"admin": 200, "window": 200, "police": 200}),
    ("cc tab", lambda a: ("GET", "/api/v1/cc", None, {}),
     {"admin": 200, "auditor": 200, "window": 200, "police": 200}),
    ("cc read", lambda a: ("POST", "/api/v1/cc/999/read", None, {}),
     {"admin": 404, "auditor": 404, "window": 404, "police": 404}),
    ("correction", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/correction",
                              {"items": [{"material": "身份证", "problem": "不清晰"}]}, {}),
     {"admin": 201, "window": 201, "police": 404}),
    ("correction answer", lambda a: ("POST", f"/api/v1/cases/{correction_of(a)['id']}/correction/answer",
                                     {"data": {"id_copy": "已补"}}, {}),
     {"admin": 200, "window": 200, "portal": 200, "hotline": 404, "police": 404}),
    ("case attachments", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/attachments", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("case attachment upload", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/attachments", None,
                                          attachment()),
     {"admin": 201, "portal": 201, "hotline": 404, "window": 201, "police": 404}),
    ("attachment download", lambda a: ("GET", "/api/v1/cases/{0[id]}/attachments/{1[id]}".format(
        *attachment_of(a)), None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404,
      "supervisor": 404}),
    ("subscribe", lambda a: ("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/", "events": ["task_ready"]}, {}),
     {"admin": 201, "portal": 201, "hotline": 201}),
    ("list webhooks", lambda a: ("GET", "/api/v1/webhooks", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 200}),
    ("get webhook", lambda a: ("GET", f"/api/v1/webhooks/{webhook_of_portal(a)['id']}", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404}),
    ("unsubscribe", lambda a: ("DELETE", f"/api/v1/webhooks/{webhook_of_portal(a)['id']}", None, {}),
     {"admin": 204, "portal": 204, "hotline": 404}),
    ("deliveries", lambda a: ("GET", f"/api/v1/webhooks/{webhook_of_portal(a)['id']}/deliveries", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404}),
    ("retry delivery", lambda a: ("POST", "/api/v1/webhooks/{0[id]}/deliveries/{1[id]}/retry".format(
        *delivery_of_portal(a)), None, {}),
     {"admin": 200, "portal": 200, "hotline": 404}),
]

# Front window (#9)
MATRIX += [
    ("window matters", lambda a: ("GET", "/api/v1/window/matters", None, {}), {"admin": 200, "window": 200, "police": 200}),
    ("task window role", lambda a: ("GET", f"/api/v1/tasks/{task_of_window(a)['id']}/window", None, {}),
     {"admin": 200, "auditor": 200, "window": 200, "police": 404, "supervisor": 404}),
    ("case labels", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/labels", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404, "supervisor": 404}),
    ("case form", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/forms/no_criminal_record_accept", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404, "supervisor": 404}),
    ("notices", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/notices", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404, "supervisor": 404}),
    ("issue notice", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/notices", {"kind": "acceptance"}, {}),
     {"admin": 409, "window": 409, "police": 404}),
]


@pytest.mark.parametrize("name,prepare,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_role_matrix(as_, name, prepare, expected):
    got = {}
    for user in USERS:
        method, path, body, extra = prepare(as_)
        r = as_(user)(method, path, json=body, **extra)
        got[user] = r.status_code
        if r.status_code >= 400:
            assert set(r.get_json()) == {"error", "message", "details"}
    assert got == {u: expected.get(u, 403) for u in USERS}


@pytest.mark.parametrize("name,prepare,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_every_endpoint_needs_credentials(client, tokens, as_, name, prepare, expected):
    method, path, body, extra = prepare(as_)
    r = client.open(path, method=method, json=body, **extra)
    assert r.status_code == 401
    assert r.get_json()["error"] == "unauthenticated"
