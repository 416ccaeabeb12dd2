"""Clerk operations through the HTTP API, on a three-department parallel review
(tests/diagrams/operations/parallel_review.bpmn): who may do each, in which state,
and what the trail says."""
import hashlib
import io

import pytest

from tests.conftest import diagram

from .conftest import APPLICANT, Caller

CLERKS = {"market": "市场监管局", "market2": "市场监管局", "fire": "消防救援支队", "health": "卫生健康委",
          "leader": "领导"}


@pytest.fixture
def ops(deployed, as_, client):
    deployed.repository.deploy_paths([diagram("operations", "parallel_review.bpmn")])
    callers = {}
    for name, group in CLERKS.items():
        deployed.users.add(name, "clerk", groups=[group])
        callers[name] = Caller(client, deployed.users.issue_token(name))
    for name in ("window", "police", "portal", "hotline", "admin", "auditor"):
        callers[name] = as_(name)
    return callers


def start(ops):
    r = ops["portal"]("POST", "/api/v1/cases", json={"process": "parallel_review", "applicant": APPLICANT})
    assert r.status_code == 201
    return r.get_json()["id"]


def case(ops, case_id, who="admin"):
    return ops[who]("GET", f"/api/v1/cases/{case_id}").get_json()


def open_task(ops, case_id, element, who="admin"):
    tasks = ops[who]("GET", f"/api/v1/tasks?case_id={case_id}&per_page=100").get_json()["items"]
    return next(t for t in tasks if t["element_id"] == element)


def complete(ops, who, task_id, data=None, opinion=None, status=200):
    r = ops[who]("POST", f"/api/v1/tasks/{task_id}/complete", json={"data": data or {}, "opinion": opinion})
    assert r.status_code == status, r.get_json()
    return r.get_json()


def do(ops, case_id, who, element, **kw):
    return complete(ops, who, open_task(ops, case_id, element, who)["id"], **kw)


def post(ops, who, path, body=None):
    return ops[who]("POST", path, json=body or {})


def trail(ops, case_id, type):
    events = ops["admin"]("GET", f"/api/v1/cases/{case_id}/trail").get_json()["events"]
    return [e for e in events if e["type"] == type]


def inbox(ops, who):
    return {(t["case_id"], t["element_id"]) for t in ops[who]("GET", "/api/v1/tasks?per_page=100").get_json()["items"]}


def test_opinions_are_kept_per_step_and_listed_on_the_case(ops):
    c = start(ops)
    do(ops, c, "window", "accept", opinion="材料齐全，予以受理")
    [ev] = [e for e in trail(ops, c, "task_completed")]
    assert ev["data"]["opinion"] == "材料齐全，予以受理" and ev["actor"] == "window"
    [op] = case(ops, c)["opinions"]
    assert op["name"] == "受理" and op["by"] == "window" and op["opinion"] == "材料齐全，予以受理" and op["at"]
    assert post(ops, "window", f"/api/v1/tasks/{open_task(ops, c, 'review_fire')['id']}/complete",
                {"opinion": "x" * 2001}).status_code == 422


def test_attachments_hashed_listed_downloaded_and_limited(ops, monkeypatch):
    c = start(ops)
    task = open_task(ops, c, "accept", "window")
    body = b"%PDF-1.4 business licence"
    r = ops["window"]("POST", f"/api/v1/tasks/{task['id']}/attachments",
                      data={"file": (io.BytesIO(body), "营业执照.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    att = r.get_json()
    assert att["sha256"] == hashlib.sha256(body).hexdigest() and att["size"] == len(body)
    assert att["uploaded_by"] == "window" and att["task_id"] == task["id"] and att["content_type"] == "application/pdf"
    items = ops["portal"]("GET", f"/api/v1/cases/{c}/attachments").get_json()["items"]
    assert [i["name"] for i in items] == ["营业执照.pdf"]
    got = ops["portal"]("GET", f"/api/v1/cases/{c}/attachments/{att['id']}")
    assert got.status_code == 200 and got.data == body
    assert ops["hotline"]("GET", f"/api/v1/cases/{c}/attachments/{att['id']}").status_code == 404
    assert ops["police"]("POST", f"/api/v1/tasks/{task['id']}/attachments",
                         data={"file": (io.BytesIO(body), "a.pdf")}, content_type="multipart/form-data"
                         ).status_code == 404
    bad = ops["window"]("POST", f"/api/v1/cases/{c}/attachments",
                        data={"file": (io.BytesIO(b"MZ"), "run.exe")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["error"] == "attachment_type"
    monkeypatch.setenv("TONGBAN_ATTACHMENT_MAX_BYTES", "10")
    big = ops["window"]("POST", f"/api/v1/cases/{c}/attachments",
                        data={"file": (io.BytesIO(b"x" * 11), "big.txt")}, content_type="multipart/form-data")
    assert big.status_code == 422 and big.get_json()["error"] == "attachment_too_large"
    assert [e["data"]["sha256"] for e in trail(ops, c, "attachment_added")] == [att["sha256"]]


def test_return_across_branches_with_rules_and_trail(ops):
    c = start(ops)
    do(ops, c, "window", "accept")
    do(ops, c, "fire", "review_fire")
    review = open_task(ops, c, "review_market", "market")
    assert post(ops, "market", f"/api/v1/tasks/{review['id']}/claim").status_code == 200
    health = open_task(ops, c, "review_health", "health")
    targets = ops["health"]("GET", f"/api/v1/tasks/{health['id']}/return-targets").get_json()
    assert targets == {"items": [{"element_id": "accept", "name": "受理"}]}
    assert post(ops, "health", f"/api/v1/tasks/{health['id']}/return", {"to": "review_fire", "reason": "x"}
                ).status_code == 409  # another branch: not on this task's path
    assert post(ops, "police", f"/api/v1/tasks/{health['id']}/return", {"to": "accept", "reason": "x"}
                ).status_code == 404  # another group's task does not exist for them
    assert post(ops, "market2", f"/api/v1/tasks/{review['id']}/return", {"to": "accept", "reason": "x"}
                ).status_code == 403  # claimed by a colleague
    assert post(ops, "health", f"/api/v1/tasks/{health['id']}/return", {"to": "accept"}).status_code == 422
    r = post(ops, "health", f"/api/v1/tasks/{health['id']}/return", {"to": "accept", "reason": "营业场所证明缺失"})
    assert r.status_code == 200
    assert {t["element_id"] for t in case(ops, c)["tasks"] if t["state"] == "READY"} == {"accept"}
    assert (c, "review_market") not in inbox(ops, "market") and (c, "accept") in inbox(ops, "window")
    [ev] = trail(ops, c, "task_returned")
    assert ev["actor"] == "health" and ev["data"]["to"] == "accept" and ev["data"]["reason"] == "营业场所证明缺失"
    assert len(trail(ops, c, "task_cancelled")) == 2  # the market's and the health's open tasks
    # Round two: every department must review again (the fire's first arrival does not count).
    do(ops, c, "window", "accept")
    for who, element in [("market", "review_market"), ("market", "recheck_market"), ("health", "review_health")]:
        do(ops, c, who, element)
    assert not [t for t in case(ops, c)["tasks"] if t["state"] == "READY" and t["name"] == "领导会签"]
    do(ops, c, "fire", "review_fire")
    assert len([t for t in case(ops, c)["tasks"] if t["state"] == "READY"]) == 3  # the countersign
    decide_from = open_task(ops, c, "countersign", "leader")
    r = post(ops, "leader", f"/api/v1/tasks/{decide_from['id']}/return", {"to": "review_fire", "reason": "复核"})
    assert r.status_code == 200
    assert {t["element_id"] for t in case(ops, c)["tasks"] if t["state"] == "READY"} == {
        "review_market", "review_fire", "review_health"}


def test_transfer_moves_the_task_to_another_clerk(ops):
    c = start(ops)
    do(ops, c, "window", "accept")
    task = open_task(ops, c, "review_market", "market")
    assert post(ops, "fire", f"/api/v1/tasks/{task['id']}/transfer", {"to": "market2"}).status_code == 404
    assert post(ops, "market", f"/api/v1/tasks/{task['id']}/transfer", {"to": "nobody"}).status_code == 422
    r = post(ops, "market", f"/api/v1/tasks/{task['id']}/transfer", {"to": "market2", "reason": "休假"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "market2"
    assert (c, "review_market") not in inbox(ops, "market") and (c, "review_market") in inbox(ops, "market2")
    complete(ops, "market", task["id"], status=403)
    [ev] = trail(ops, c, "task_transferred")
    assert ev["data"] == {"name": "市场监管审查", "from": None, "to": "market2", "reason": "休假"}
    complete(ops, "market2", task["id"])


def test_delegate_works_it_and_the_owner_confirms(ops):
    c = start(ops)
    do(ops, c, "window", "accept")
    task = open_task(ops, c, "review_market", "market")
    r = post(ops, "market", f"/api/v1/tasks/{task['id']}/delegate", {"to": "fire", "reason": "请协助核查"})
    assert r.status_code == 200 and r.get_json()["owner"] == "market" and r.get_json()["assignee"] == "fire"
    assert (c, "review_market") in inbox(ops, "fire") and (c, "review_market") not in inbox(ops, "market")
    complete(ops, "fire", task["id"], data={"site_ok": True}, opinion="现场核查合格")
    back = ops["market"]("GET", f"/api/v1/tasks/{task['id']}").get_json()
    assert back["assignee"] == "market" and back["delegation"] == "resolved" and back["state"] == "READY"
    assert back["pending_data"]["data"] == {"site_ok": True} and back["pending_data"]["opinion"] == "现场核查合格"
    assert (c, "recheck_market") not in inbox(ops, "market")  # the case has not moved yet
    complete(ops, "market", task["id"], opinion="同意")
    assert case(ops, c)["data"]["site_ok"] is True
    assert [e["type"] for e in trail(ops, c, "task_delegated") + trail(ops, c, "task_delegation_resolved")] == [
        "task_delegated", "task_delegation_resolved"]


def test_sign_before_and_after_and_unsign(ops):
    c = start(ops)
    do(ops, c, "window", "accept")
    task = open_task(ops, c, "review_market", "market")
    r = post(ops, "market", f"/api/v1/tasks/{task['id']}/sign",
             {"users": ["fire", "health"], "position": "before", "reason": "涉及消防和卫生"})
    assert r.status_code == 200
    assert ops["market"]("GET", f"/api/v1/tasks/{task['id']}").get_json()["state"] == "WAITING"
    complete(ops, "market", task["id"], status=409)
    signs = [t for t in ops["fire"]("GET", "/api/v1/tasks").get_json()["items"] if t["kind"] == "sign"]
    assert len(signs) == 1 and signs[0]["parent_task_id"] == task["id"] and signs[0]["assignee"] == "fire"
    signers = ops["market"]("GET", f"/api/v1/tasks/{task['id']}").get_json()["signers"]
    assert sorted(s["assignee"] for s in signers) == ["fire", "health"]
    assert post(ops, "market", f"/api/v1/tasks/{task['id']}/unsign", {"users": ["health"]}).status_code == 200
    assert post(ops, "market", f"/api/v1/tasks/{task['id']}/unsign", {"users": ["health"]}).status_code == 409
    complete(ops, "fire", signs[0]["id"], opinion="消防意见：同意")
    assert ops["market"]("GET", f"/api/v1/tasks/{task['id']}").get_json()["state"] == "READY"
    # after: the owner completes first, the case moves once the signer has signed.
    assert post(ops, "market", f"/api/v1/tasks/{task['id']}/sign",
                {"users": ["health"], "position": "after"}).status_code == 200
    assert not [t for t in ops["health"]("GET", "/api/v1/tasks").get_json()["items"] if t["kind"] == "sign"]
    complete(ops, "market", task["id"], opinion="同意")
    [after] = [t for t in ops["health"]("GET", "/api/v1/tasks").get_json()["items"] if t["kind"] == "sign"]
    assert (c, "recheck_market") not in inbox(ops, "market")
    complete(ops, "health", after["id"], opinion="卫生意见：同意")
    assert (c, "recheck_market") in inbox(ops, "market")
    assert [e["data"]["position"] for e in trail(ops, c, "task_signed")] == ["before", "after"]
    assert trail(ops, c, "task_unsigned")[0]["data"]["users"] == ["health"]
    assert {o["by"] for o in case(ops, c)["opinions"]} >= {"fire", "health", "market"}


def test_cc_gives_a_read_only_copy(ops):
    c = start(ops)
    task = open_task(ops, c, "accept", "window")
    assert ops["police"]("GET", f"/api/v1/cases/{c}").status_code == 404
    r = post(ops, "window", f"/api/v1/tasks/{task['id']}/cc", {"users": ["police"], "note": "请知悉"})
    assert r.status_code == 200
    cc = ops["police"]("GET", "/api/v1/cc").get_json()
    assert cc["total"] == 1 and cc["unread"] == 1
    [item] = cc["items"]
    assert item["case_id"] == c and item["task_id"] == task["id"] and item["from"] == "window"
    assert item["note"] == "请知悉" and item["read"] is False and item["at"]
    assert ops["police"]("GET", f"/api/v1/cases/{c}").status_code == 200  # may open the case
    complete(ops, "police", task["id"], status=404)  # but not work it
    assert post(ops, "police", f"/api/v1/cc/{item['id']}/read").get_json()["read"] is True
    assert post(ops, "window", f"/api/v1/cc/{item['id']}/read").status_code == 404
    assert trail(ops, c, "task_cc")[0]["data"]["users"] == ["police"]


def test_withdraw_while_the_next_steps_are_untouched(ops):
    c = start(ops)
    accept = open_task(ops, c, "accept", "window")
    complete(ops, "window", accept["id"])
    assert post(ops, "market", f"/api/v1/tasks/{accept['id']}/withdraw").status_code == 404
    r = post(ops, "window", f"/api/v1/tasks/{accept['id']}/withdraw", {"reason": "填写有误"})
    assert r.status_code == 200
    open_ = [t for t in case(ops, c)["tasks"] if t["state"] == "READY"]
    assert [(t["name"], t["assignee"]) for t in open_] == [("受理", "window")]
    [ev] = trail(ops, c, "task_withdrawn")
    assert ev["data"]["reason"] == "填写有误" and len(ev["data"]["cancelled"]) == 3
    do(ops, c, "window", "accept")
    accept2 = max(t["id"] for t in case(ops, c)["tasks"] if t["name"] == "受理")
    assert post(ops, "market", f"/api/v1/tasks/{open_task(ops, c, 'review_market', 'market')['id']}/claim"
                ).status_code == 200
    r = post(ops, "window", f"/api/v1/tasks/{accept2}/withdraw")
    assert r.status_code == 409 and r.get_json()["error"] == "cannot_withdraw"
    # A branch that reached the join is withdrawn; the join has not fired early afterwards.
    fire = open_task(ops, c, "review_fire", "fire")
    complete(ops, "fire", fire["id"])
    assert post(ops, "fire", f"/api/v1/tasks/{fire['id']}/withdraw").status_code == 200
    do(ops, c, "market", "review_market")
    do(ops, c, "market", "recheck_market")
    do(ops, c, "health", "review_health")
    assert (c, "countersign") not in inbox(ops, "leader")
    last = open_task(ops, c, "review_fire", "fire")
    complete(ops, "fire", last["id"])  # the join fires on this one: the countersign is next, untouched
    assert post(ops, "fire", f"/api/v1/tasks/{last['id']}/withdraw").status_code == 200
    assert (c, "countersign") not in inbox(ops, "leader") and (c, "review_fire") in inbox(ops, "fire")
    do(ops, c, "fire", "review_fire")
    assert (c, "countersign") in inbox(ops, "leader")


def test_urge_counts_per_task_and_reaches_webhooks(ops, monkeypatch):
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "127.0.0.1")  # the test's receiver is local
    c = start(ops)
    task = open_task(ops, c, "accept", "window")
    hook = post(ops, "portal", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/", "events": ["task_urged"]})
    assert hook.status_code == 201
    assert post(ops, "police", f"/api/v1/tasks/{task['id']}/urge", {"message": "?"}).status_code == 404
    assert post(ops, "hotline", f"/api/v1/tasks/{task['id']}/urge").status_code == 404
    assert post(ops, "portal", f"/api/v1/tasks/{task['id']}/urge", {"message": "申请人来电催问"}).status_code == 200
    r = post(ops, "window", f"/api/v1/tasks/{task['id']}/urge", {"message": "请尽快"})
    assert r.get_json()["urge_count"] == 2
    [item] = [t for t in ops["window"]("GET", "/api/v1/tasks").get_json()["items"] if t["id"] == task["id"]]
    assert item["urge_count"] == 2 and item["last_urged_at"]
    assert [e["data"]["count"] for e in trail(ops, c, "task_urged")] == [1, 2]
    deliveries = ops["portal"]("GET", f"/api/v1/webhooks/{hook.get_json()['id']}/deliveries").get_json()["items"]
    assert [d["event_type"] for d in deliveries] == ["task_urged", "task_urged"]
    complete(ops, "window", task["id"])
    assert post(ops, "window", f"/api/v1/tasks/{task['id']}/urge").status_code == 409


def test_correction_notice_makes_open_tasks_wait_until_answered(ops):
    c = start(ops)
    do(ops, c, "window", "accept")
    items = [{"material": "营业场所证明", "problem": "未加盖公章"}, {"material": "健康证明", "problem": "已过期"}]
    assert post(ops, "police", f"/api/v1/cases/{c}/correction", {"items": items}).status_code == 404
    assert post(ops, "portal", f"/api/v1/cases/{c}/correction", {"items": items}).status_code == 403
    r = post(ops, "market", f"/api/v1/cases/{c}/correction", {"items": items, "reason": "材料不符合要求"})
    assert r.status_code == 201 and r.get_json()["open"] is True
    assert post(ops, "fire", f"/api/v1/cases/{c}/correction", {"items": items}).status_code == 409
    body = case(ops, c, "portal")
    assert body["correction"]["open"] is True and body["correction"]["items"] == items
    assert {t["state"] for t in body["tasks"] if t["state"] != "COMPLETED"} == {"WAITING"}
    assert (c, "review_fire") not in inbox(ops, "fire")
    waiting = next(t for t in body["tasks"] if t["name"] == "消防审查")
    complete(ops, "fire", waiting["id"], status=409)
    assert post(ops, "hotline", f"/api/v1/cases/{c}/correction/answer", {"data": {}}).status_code == 404
    r = post(ops, "portal", f"/api/v1/cases/{c}/correction/answer", {"data": {"site_certificate": "已补正"}})
    assert r.status_code == 200 and r.get_json()["open"] is False
    body = case(ops, c, "portal")
    assert body["correction"]["answered_by"] == "portal" and body["data"]["site_certificate"] == "已补正"
    assert (c, "review_fire") in inbox(ops, "fire")
    assert post(ops, "portal", f"/api/v1/cases/{c}/correction/answer", {"data": {}}).status_code == 409
    assert [e["type"] for e in trail(ops, c, "correction_opened") + trail(ops, c, "correction_answered")] == [
        "correction_opened", "correction_answered"]
    do(ops, c, "fire", "review_fire")


def test_inbox_search_filters_sort_and_done_tab(ops):
    c1, c2 = start(ops), start(ops)
    number = case(ops, c2)["number"]
    assert {t["case_id"] for t in ops["window"]("GET", f"/api/v1/tasks?q={number}").get_json()["items"]} == {c2}
    assert ops["window"]("GET", "/api/v1/tasks?process=parallel_review").get_json()["total"] == 2
    assert ops["window"]("GET", "/api/v1/tasks?process=nothing").get_json()["total"] == 0
    assert ops["window"]("GET", "/api/v1/tasks?received_from=2000-01-01&received_to=2000-01-02"
                         ).get_json()["total"] == 0
    newest = ops["window"]("GET", "/api/v1/tasks?sort=-received").get_json()["items"]
    assert [t["case_id"] for t in newest] == [c2, c1]
    post(ops, "portal", f"/api/v1/tasks/{open_task(ops, c2, 'accept')['id']}/urge")
    assert ops["window"]("GET", "/api/v1/tasks?sort=urged").get_json()["items"][0]["case_id"] == c2
    do(ops, c1, "window", "accept")
    done = ops["window"]("GET", "/api/v1/tasks/done").get_json()
    assert done["total"] == 1 and done["items"][0]["case_id"] == c1
    assert ops["window"]("GET", "/api/v1/tasks?sort=bogus").status_code == 422
