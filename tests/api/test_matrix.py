"""The authorisation matrix: every role (and a second user of the same role, for
scope) against every endpoint, table-driven. Each cell gets fresh objects, so a
cell that changes state cannot disturb the next one."""
from pathlib import Path

import pytest

from .conftest import APPLICANT, PEOPLE, open_task, start_case

USERS = list(PEOPLE)  # admin analyst auditor portal hotline window police
ROOT = Path(__file__).resolve().parents[2]


def case_of_portal(as_):
    return start_case(as_, who="portal")


def task_of_window(as_, claimed=False):
    task = open_task(case_of_portal(as_))
    if claimed:
        assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    return task


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
    ("list definitions", lambda a: ("GET", "/api/v1/definitions", None, {}), ALL_200),
    ("deploy", lambda a: ("POST", "/api/v1/definitions", None, upload()), {"admin": 200, "analyst": 200}),
    ("definition source", lambda a: ("GET", "/api/v1/definitions/bpmn/no_criminal_record", None, {}),
     {"admin": 200, "analyst": 200, "auditor": 200}),
    ("matters", lambda a: ("GET", "/api/v1/matters", None, {}), ALL_200),
    ("start case", lambda a: ("POST", "/api/v1/cases",
                              {"process": "no_criminal_record", "applicant": APPLICANT}, {}),
     {"admin": 201, "portal": 201, "hotline": 201}),
    ("list cases", lambda a: ("GET", "/api/v1/cases", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 200, "window": 200, "police": 200}),
    ("get case", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404}),
    ("trail", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/trail", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404}),
    ("case diagram", lambda a: ("GET", f"/api/v1/cases/{case_of_portal(a)['id']}/diagram", None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404}),
    ("message", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/messages", {"name": "tax_paid"}, {}),
     {"admin": 409, "portal": 409, "hotline": 404}),
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
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404}),
    ("case attachment upload", lambda a: ("POST", f"/api/v1/cases/{case_of_portal(a)['id']}/attachments", None,
                                          attachment()),
     {"admin": 201, "portal": 201, "hotline": 404, "window": 201, "police": 404}),
    ("attachment download", lambda a: ("GET", "/api/v1/cases/{0[id]}/attachments/{1[id]}".format(
        *attachment_of(a)), None, {}),
     {"admin": 200, "auditor": 200, "portal": 200, "hotline": 404, "window": 200, "police": 404}),
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
