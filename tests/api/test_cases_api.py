"""Cases through the HTTP API: start, read, list, trail, messages, idempotent retries."""
import threading

from .conftest import APPLICANT, WINDOW_GROUP, open_task, start_case
from tests.window_data import FOOD_COMPLETE, FOOD_TOLERATED, SUPPLEMENT

FOOD_APPLICANT = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}


def test_start_case_returns_the_contract_shape(as_):
    r = as_("portal")("POST", "/api/v1/cases", json={
        "process": "no_criminal_record", "applicant": APPLICANT, "data": {"purpose_note": "求职"}})
    assert r.status_code == 201
    case = r.get_json()
    assert {"id", "number", "status", "data", "definition", "tasks"} <= set(case)
    assert case["status"] == "running"
    assert case["definition"] == {"key": "no_criminal_record", "version": 1}
    assert case["data"]["purpose_note"] == "求职"
    assert case["started_by"] == "portal"
    [task] = case["tasks"]
    assert set(task) == {"id", "element_id", "name", "lane", "state", "assignee", "assignee_name",
                         "assignee_department", "due_at", "card"}
    assert task["lane"] == WINDOW_GROUP and task["state"] == "READY" and task["assignee"] is None


def test_start_case_rejects_bad_input_with_field_messages(as_):
    portal = as_("portal")
    r = portal("POST", "/api/v1/cases", json={"process": "no_criminal_record"})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "invalid_input" and body["details"]["json"]["applicant"] == ["必填"]
    bad_id = {**APPLICANT, "id_number": "110105194912310021"}
    r = portal("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": bad_id})
    assert r.status_code == 422 and r.get_json()["message"]
    r = portal("POST", "/api/v1/cases", json={"process": "no_such_matter", "applicant": APPLICANT})
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    r = portal("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT, "x": 1})
    assert r.status_code == 422 and r.get_json()["details"]["json"]["x"] == ["未知字段"]


def test_same_idempotency_key_and_body_return_the_same_case(as_):
    portal = as_("portal")
    body = {"process": "no_criminal_record", "applicant": APPLICANT, "data": {"a": 1}}
    first = portal("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": "order-1"})
    again = portal("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = portal("POST", "/api/v1/cases", json={**body, "data": {"a": 2}}, headers={"Idempotency-Key": "order-1"})
    assert other.status_code == 409 and other.get_json()["error"] == "idempotency_key_reused"
    listed = portal("GET", "/api/v1/cases").get_json()
    assert listed["total"] == 1


def test_idempotency_keys_are_per_caller_and_released_after_failure(as_):
    body = {"process": "no_criminal_record", "applicant": APPLICANT}
    a = as_("portal")("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": "k"})
    b = as_("hotline")("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": "k"})
    assert a.get_json()["id"] != b.get_json()["id"]
    bad = {"process": "nope", "applicant": APPLICANT}
    assert as_("portal")("POST", "/api/v1/cases", json=bad, headers={"Idempotency-Key": "k2"}).status_code == 404
    fixed = as_("portal")("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": "k2"})
    assert fixed.status_code == 201


def test_concurrent_retries_with_one_key_start_one_case(app, tokens):
    body = {"process": "no_criminal_record", "applicant": APPLICANT}
    results, barrier = [], threading.Barrier(4)

    def send():
        client = app.test_client()
        barrier.wait()
        r = client.post("/api/v1/cases", json=body, headers={
            "Authorization": f"Bearer {tokens['portal']}", "Idempotency-Key": "race"})
        results.append((r.status_code, (r.get_json() or {}).get("id"), (r.get_json() or {}).get("error")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {i for status, i, _ in results if status == 201}
    assert len(ids) == 1
    assert all(status == 201 or error == "idempotency_in_progress" for status, _, error in results)


def test_get_case_and_list_with_filters_and_pages(as_):
    portal = as_("portal")
    made = [start_case(as_) for _ in range(3)]
    r = portal("GET", f"/api/v1/cases/{made[0]['id']}")
    assert r.status_code == 200 and r.get_json()["number"] == made[0]["number"]
    page = portal("GET", "/api/v1/cases?per_page=2&page=1").get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["per_page"] == 2
    assert "tasks" not in page["items"][0]
    last = portal("GET", "/api/v1/cases?per_page=2&page=2").get_json()
    assert len(last["items"]) == 1
    assert portal("GET", f"/api/v1/cases?number={made[1]['number']}").get_json()["total"] == 1
    assert portal("GET", "/api/v1/cases?status=completed").get_json()["total"] == 0
    assert portal("GET", "/api/v1/cases?process=no_criminal_record&status=running").get_json()["total"] == 3
    assert portal("GET", f"/api/v1/cases?applicant_id_number={APPLICANT['id_number'].lower()}").get_json()["total"] == 3
    assert portal("GET", "/api/v1/cases?per_page=101").status_code == 422
    assert portal("GET", "/api/v1/cases?status=lost").status_code == 422
    assert as_("hotline")("GET", "/api/v1/cases").get_json()["total"] == 0
    assert as_("police")("GET", "/api/v1/cases").get_json()["total"] == 0
    assert as_("window")("GET", "/api/v1/cases").get_json()["total"] == 3
    assert portal("GET", "/api/v1/cases/999999").status_code == 404


def test_trail_lists_events_in_order_and_incrementally(as_):
    case = start_case(as_)
    trail = as_("portal")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()
    events = trail["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "case_started" and events[0]["actor"] == "portal"
    assert {"seq", "type", "at", "actor", "task", "data"} <= set(events[0])
    ready = next(e for e in events if e["type"] == "task_ready")
    assert ready["task"] == open_task(case)["id"]
    later = as_("portal")("GET", f"/api/v1/cases/{case['id']}/trail?after=1").get_json()["events"]
    assert [e["seq"] for e in later] == [e["seq"] for e in events[1:]]


def test_message_reaches_the_waiting_case_and_nothing_waiting_is_409(as_):
    portal, window = as_("portal"), as_("window")
    r = portal("POST", "/api/v1/cases", json={"process": "food_business_license", "applicant": FOOD_APPLICANT})
    case = r.get_json()
    early = portal("POST", f"/api/v1/cases/{case['id']}/messages", json={"name": "supplement_received"})
    assert early.status_code == 409 and early.get_json()["error"] == "nothing_waiting"
    accept = open_task(case)
    r = window("POST", f"/api/v1/tasks/{accept['id']}/complete", json={"data": FOOD_TOLERATED})
    assert r.status_code == 200, r.get_json()
    r = portal("POST", f"/api/v1/cases/{case['id']}/messages",
               json={"name": "supplement_received", "data": SUPPLEMENT},
               headers={"Idempotency-Key": "supp-1"})
    assert r.status_code == 200, r.get_json()
    names = {t["name"] for t in r.get_json()["tasks"] if t["state"] == "READY"}
    assert "核验补正材料" in names
    again = portal("POST", f"/api/v1/cases/{case['id']}/messages",
                   json={"name": "supplement_received", "data": SUPPLEMENT},
                   headers={"Idempotency-Key": "supp-1"})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    types = [e["type"] for e in portal("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]]
    assert types.count("message_received") == 1


def test_whoever_sees_a_case_sees_its_diagram(as_):
    case = start_case(as_)
    r = as_("window")("GET", f"/api/v1/cases/{case['id']}/diagram")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["key"], body["version"]) == ("no_criminal_record", 1) and "<bpmn:process" in body["source"]
    assert as_("window")("GET", "/api/v1/definitions/bpmn/no_criminal_record").status_code == 403
    assert as_("auditor")("GET", f"/api/v1/cases/{case['id']}/diagram").status_code == 200
