"""Tasks through the HTTP API: inbox scope, claim/unclaim, form errors, a whole
case to its end, and two clerks completing one task at the same moment."""
import threading

from .conftest import POLICE_GROUP, WINDOW_GROUP, open_task, start_case


def test_inbox_shows_only_the_callers_groups_and_own_tasks(as_):
    case = start_case(as_)
    window = as_("window")("GET", "/api/v1/tasks").get_json()
    assert window["total"] == 1
    [task] = window["items"]
    assert {"id", "case_id", "name", "lane", "state", "assignee"} <= set(task)
    assert task["case_id"] == case["id"] and task["lane"] == WINDOW_GROUP
    assert as_("police")("GET", "/api/v1/tasks").get_json()["total"] == 0
    assert as_("auditor")("GET", "/api/v1/tasks").get_json()["total"] == 1
    assert as_("window")("GET", f"/api/v1/tasks?lane={POLICE_GROUP}").get_json()["total"] == 0
    assert as_("window")("GET", f"/api/v1/tasks?case_id={case['id']}").get_json()["total"] == 1
    assert as_("window")("GET", "/api/v1/tasks?per_page=0").status_code == 422


def test_task_detail_carries_its_form(as_):
    task = open_task(start_case(as_))
    r = as_("window")("GET", f"/api/v1/tasks/{task['id']}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["form"]["key"] == "no_criminal_record_accept"
    assert any(c.get("key") == "acceptance" for c in body["form"]["schema"]["components"])
    assert as_("police")("GET", f"/api/v1/tasks/{task['id']}").status_code == 404  # another group's: not told
    assert as_("window")("GET", "/api/v1/tasks/999999").status_code == 404


def test_claim_unclaim_and_claimed_by_another(deployed, as_):
    deployed.users.add("window2", "clerk", groups=[WINDOW_GROUP])
    other = type(as_("window"))(as_("window").client, deployed.users.issue_token("window2"))
    task = open_task(start_case(as_))
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim")
    assert r.status_code == 200 and r.get_json()["assignee"] == "window"
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200  # idempotent
    taken = other("POST", f"/api/v1/tasks/{task['id']}/claim")
    assert taken.status_code in (403, 409) and taken.get_json()["error"] in ("conflict", "forbidden")
    assert other("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "accept"}}
                 ).status_code == 403
    assert other("GET", "/api/v1/tasks").get_json()["total"] == 0
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/unclaim")
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    assert other("GET", "/api/v1/tasks").get_json()["total"] == 1


def test_form_errors_are_422_with_per_field_messages(as_):
    task = open_task(start_case(as_))
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete",
                      json={"data": {"acceptance": "maybe", "evil": 1}})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "form_invalid"
    assert "acceptance" in body["details"] and "evil" in body["details"]
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": []}).status_code == 422


def test_a_case_from_start_to_completed_through_the_api(as_):
    case = start_case(as_)
    window, police = as_("window"), as_("police")
    steps = [(window, {"acceptance": "accept", "purpose": "employment"}),
             (police, {"decision": "approve", "review_opinion": "经核查无犯罪记录"}),
             (window, {"certificate_number": "NCR-0001", "delivery_method": "window"})]
    for who, data in steps:
        [task] = who("GET", f"/api/v1/tasks?case_id={case['id']}").get_json()["items"]
        r = who("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["state"] == "COMPLETED"
        again = who("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
        assert again.status_code == 409 and again.get_json()["error"] == "task_not_ready"
    done = as_("portal")("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert done["status"] == "completed" and done["ended_at"]
    assert [t["state"] for t in done["tasks"]] == ["COMPLETED"] * 3
    types = [e["type"] for e in as_("portal")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]]
    assert types[0] == "case_started" and types[-1] == "case_completed"


def test_refusal_terminates_or_completes_and_is_visible(as_):
    case = start_case(as_)
    task = open_task(case)
    as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete",
                  json={"data": {"acceptance": "refuse", "refuse_reason": "材料不齐"}})
    status = as_("portal")("GET", f"/api/v1/cases/{case['id']}").get_json()["status"]
    assert status in ("completed", "terminated")
    assert as_("portal")("GET", f"/api/v1/cases?status={status}").get_json()["total"] == 1


def test_two_clerks_completing_one_task_at_once_one_wins(deployed, app, tokens):
    deployed.users.add("window2", "clerk", groups=[WINDOW_GROUP])
    second = deployed.users.issue_token("window2")
    client = app.test_client()
    case = client.post("/api/v1/cases", json={"process": "no_criminal_record", "applicant": {
        "kind": "person", "id_number": "11010519491231002X", "name": "张三"}},
        headers={"Authorization": f"Bearer {tokens['portal']}"}).get_json()
    task = open_task(case)
    barrier, results = threading.Barrier(2), []

    def complete(token):
        c = app.test_client()
        barrier.wait()
        r = c.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "accept"}},
                   headers={"Authorization": f"Bearer {token}"})
        results.append((r.status_code, r.get_json()["error"] if r.status_code != 200 else None))

    threads = [threading.Thread(target=complete, args=(t,)) for t in (tokens["window"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in results) == [200, 409]
    assert [e for s, e in results if s == 409][0] in ("conflict", "task_not_ready")
    trail = client.get(f"/api/v1/cases/{case['id']}/trail",
                       headers={"Authorization": f"Bearer {tokens['portal']}"}).get_json()["events"]
    assert [e["type"] for e in trail].count("task_completed") == 1


def test_inbox_items_name_their_case(as_):
    case = start_case(as_)
    [item] = [t for t in as_("window")("GET", "/api/v1/tasks").get_json()["items"] if t["case_id"] == case["id"]]
    assert item["case"] == {"number": case["number"], "process": "no_criminal_record",
                            "applicant_name": "张三", "status": "running"}
