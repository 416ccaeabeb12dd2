"""Front window (#9): 收件 by window clerks, acceptance rules from the catalogue, notices,
recording a supplement, the waiting list and delivery."""
import io
from datetime import date, datetime, timedelta

import pytest

from engine.clock import clock

from .conftest import Caller, open_task
from ..waiting_check import waiting_checked  # noqa: F401


@pytest.fixture(autouse=True)
def _stored_state_reading_is_checked(waiting_checked):
    """Each waiting list here is also computed by restoring the workflow: both must agree,
    and the stored state always answers (never falls back to the restore)."""
    yield
    assert None not in waiting_checked


COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
BAD_PERSON = {"kind": "person", "id_number": "110105194912310021", "name": "张三"}
MATERIALS = ["食品经营许可申请书", "营业执照", "法定代表人（负责人）身份证明", "经营场所平面图",
             "设备布局和工艺流程图", "食品安全管理制度文本", "从业人员健康证明"]


def all_present_but(*missing, status="missing"):
    out = {m: "present" for m in MATERIALS}
    out.update({m: status for m in missing})
    return out


@pytest.fixture
def staff(deployed, tokens, client):
    """The reviewers of the food matter's other lanes, and a clerk of an unrelated group."""
    for name, group in (("market", "市场监管局"), ("health", "卫生健康局")):
        deployed.users.add(name, "clerk", groups=[group])
        tokens[name] = deployed.users.issue_token(name)
    return lambda name: Caller(client, tokens[name])


def take_in(window, materials=None):
    r = window("POST", "/api/v1/cases", json={
        "process": "food_business_license", "applicant": COMPANY, "materials": materials or {
            "食品经营许可申请书": "original", "营业执照": "original"}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def accept(window, case, **answer):
    task = open_task(case, "受理（可容缺）")
    return window("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": answer})


def test_a_window_clerk_takes_in_and_a_clerk_of_another_group_cannot(as_):
    case = take_in(as_("window"))
    assert case["channel"] == "window" and case["started_by"] == "window"
    assert case["data"]["intake_materials"]["营业执照"] == "original"
    assert as_("window")("GET", f"/api/v1/cases/{case['id']}").status_code == 200
    r = as_("police")("POST", "/api/v1/cases", json={"process": "food_business_license", "applicant": COMPANY})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    r = as_("window")("POST", "/api/v1/cases", json={"process": "food_business_license", "applicant": BAD_PERSON})
    assert r.status_code == 422 and "id_number" in str(r.get_json())
    r = as_("window")("POST", "/api/v1/cases", json={"process": "food_business_license", "applicant": COMPANY,
                                                     "materials": {"不存在的材料": "original"}})
    assert r.status_code == 422
    matters = as_("window")("GET", "/api/v1/window/matters").get_json()["items"]
    assert {m["process"] for m in matters} >= {"food_business_license", "no_criminal_record"}
    assert "graduate_settlement" not in {m["process"] for m in matters}  # its start lane is not the window's
    food = next(m for m in matters if m["process"] == "food_business_license")
    assert food["name"] == "食品经营许可" and len(food["materials"]) == 7
    assert as_("police")("GET", "/api/v1/window/matters").get_json()["items"] == []


def test_a_configured_window_group_takes_in_every_matter(as_, monkeypatch):
    monkeypatch.setenv("TONGBAN_WINDOW_GROUPS", "公安局")
    r = as_("police")("POST", "/api/v1/cases", json={"process": "food_business_license", "applicant": COMPANY})
    assert r.status_code == 201 and r.get_json()["channel"] == "window"


def test_acceptance_rules_come_from_the_catalogue(as_):
    window = as_("window")
    case = take_in(window)
    task = open_task(case)
    role = window("GET", f"/api/v1/tasks/{task['id']}/window").get_json()
    assert role["role"] == "acceptance" and [m["name"] for m in role["materials"]] == MATERIALS
    due = (date.today() + timedelta(days=7)).isoformat()
    # 容缺 with a primary (non-tolerable) material missing
    r = accept(window, case, acceptance="tolerate", materials=all_present_but("营业执照"), supplement_due=due)
    assert r.status_code == 422 and "营业执照" in r.get_json()["message"] + str(r.get_json()["details"])
    # 容缺 with nothing missing
    r = accept(window, case, acceptance="tolerate", materials=all_present_but(), supplement_due=due)
    assert r.status_code == 422 and "acceptance" in r.get_json()["details"]
    # 容缺 without a deadline
    r = accept(window, case, acceptance="tolerate", materials=all_present_but("从业人员健康证明"))
    assert r.status_code == 422 and "supplement_due" in r.get_json()["details"]
    # 受理 with something missing; a material left unmarked
    r = accept(window, case, acceptance="accept", materials=all_present_but("从业人员健康证明"))
    assert r.status_code == 422
    partial = all_present_but()
    partial.pop("营业执照")
    r = accept(window, case, acceptance="accept", materials=partial)
    assert r.status_code == 422 and "materials.营业执照" in r.get_json()["details"]
    # 不予受理 without a reason
    r = accept(window, case, acceptance="refuse", materials=all_present_but("营业执照"), refuse_reason="  ")
    assert r.status_code == 422 and "refuse_reason" in r.get_json()["details"]
    still = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert open_task(still)["id"] == task["id"]  # nothing moved
    r = accept(window, case, acceptance="refuse", materials=all_present_but("营业执照"),
               refuse_reason="申请人不具备食品经营主体资格，依据《行政许可法》第三十二条")
    assert r.status_code == 200, r.get_json()
    done = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert done["outcome"] == "不予受理" and done["waiting"] == []
    r = window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "tolerance"})
    assert r.status_code == 409
    r = window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "refusal"})
    assert r.status_code == 201 and r.get_json()["title"] == "不予受理决定书"
    assert "第三十二条" in r.get_json()["refuse_reason"]


def test_tolerated_case_waits_for_the_supplement_and_the_window_records_it(as_, staff):
    window = as_("window")
    case = take_in(window)
    due = (datetime.now().date() + timedelta(days=10))
    r = accept(window, case, acceptance="tolerate", materials=all_present_but("从业人员健康证明"),
               supplement_due=due.isoformat())
    assert r.status_code == 200, r.get_json()
    body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert body["data"]["missing_materials"] == ["从业人员健康证明"]
    waits = {w["element_id"]: w for w in body["waiting"]}
    assert waits["wait_supplement"]["kind"] == "receive"
    assert waits["wait_supplement"]["message"] == "supplement_received"
    assert waits["wait_supplement"]["name"] == "等待补正材料"
    assert waits["supplement_deadline"]["kind"] == "timer"
    assert waits["wait_supplement"]["due_at"].startswith(due.isoformat())
    assert waits["supplement_deadline"]["due_at"] == waits["wait_supplement"]["due_at"]

    # notices: numbered, in the trail, the same number on reprint, the wrong kind refused
    first = window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "tolerance"}).get_json()
    assert first["title"] == "容缺受理告知书" and first["missing_materials"] == ["从业人员健康证明"]
    assert first["supplement_due"] == due.isoformat() and first["number"].startswith("通办容字")
    again = window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "tolerance"}).get_json()
    assert again["number"] == first["number"]
    assert window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "acceptance"}).status_code == 409
    assert window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "nonsense"}).status_code == 422
    trail = window("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    assert [e["type"] for e in trail].count("notice_issued") == 1

    # recording the supplement: other groups 403, the wait's form checks the data
    r = staff("market")("POST", f"/api/v1/cases/{case['id']}/messages",
                        json={"name": "supplement_received", "data": {"supplied_materials": ["从业人员健康证明"]}})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    r = window("POST", f"/api/v1/cases/{case['id']}/messages", json={"name": "supplement_received", "data": {}})
    assert r.status_code == 422
    r = window("POST", f"/api/v1/cases/{case['id']}/messages",
               json={"name": "supplement_received", "data": {"supplied_materials": ["从业人员健康证明"]}})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert "wait_supplement" not in {w["element_id"] for w in body["waiting"]}
    assert "核验补正材料" in {t["name"] for t in body["tasks"] if t["state"] == "READY"}
    # the trail with its acceptance, notice, a file and the recorded supplement replays to the same state
    r = window("POST", f"/api/v1/cases/{case['id']}/attachments",
               data={"file": (io.BytesIO(b"%PDF-1.4 health"), "健康证.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    replay = as_("admin")("GET", f"/api/v1/cases/{case['id']}/replay").get_json()
    assert replay["ok"] is True, replay["divergence"]
    assert as_("admin")("GET", f"/api/v1/cases/{case['id']}/verify").get_json()["intact"] is True


def test_the_supplement_deadline_set_at_acceptance_ends_the_case(as_, staff, deployed):
    window = as_("window")
    case = take_in(window)
    due = date.today() + timedelta(days=3)
    assert accept(window, case, acceptance="tolerate", materials=all_present_but("食品安全管理制度文本"),
                  supplement_due=due.isoformat()).status_code == 200
    clock.travel(timedelta(days=5))
    try:
        deployed.runtime.fire_due_timers(case["id"])
        body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
        assert body["status"] == "terminated" and body["outcome"] == "逾期未补正"
    finally:
        clock.reset()


def test_delivery_by_post_is_recorded(as_, staff):
    window = as_("window")
    case = take_in(window)
    assert accept(window, case, acceptance="accept", materials=all_present_but()).status_code == 200
    body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    for who, name, data in (("market", "书面审查", {"market_opinion": "pass"}),
                            ("health", "从业人员健康审查", {"health_opinion": "pass"})):
        task = open_task(body, name)
        r = staff(who)("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
        assert r.status_code == 200, r.get_json()
        body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    decide = open_task(staff("market")("GET", f"/api/v1/cases/{case['id']}").get_json(), "决定")
    r = staff("market")("POST", f"/api/v1/tasks/{decide['id']}/complete", json={"data": {"decision": "approve", "decision_opinion": "准予许可"}})
    assert r.status_code == 200, r.get_json()
    deliver = open_task(window("GET", f"/api/v1/cases/{case['id']}").get_json(), "出件")
    assert window("GET", f"/api/v1/tasks/{deliver['id']}/window").get_json()["role"] == "delivery"
    path = f"/api/v1/tasks/{deliver['id']}/complete"
    r = window("POST", path, json={"data": {"licence_number": "JY13501000000001", "delivery_method": "post"}})
    assert r.status_code == 422 and {"carrier", "tracking_number"} <= set(r.get_json()["details"])
    r = window("POST", path, json={"data": {"licence_number": "JY13501000000001", "delivery_method": "window",
                                            "collector_name": "李四", "collector_id_number": "110105194912310021"}})
    assert r.status_code == 422 and {"collector_id_number", "identity_checked"} <= set(r.get_json()["details"])
    r = window("POST", path, json={"data": {"licence_number": "JY13501000000001", "delivery_method": "post",
                                            "carrier": "中国邮政EMS", "tracking_number": "1234567890123"}})
    assert r.status_code == 200, r.get_json()
    body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert body["status"] == "completed" and body["outcome"] == "准予"
    assert body["delivery"] == {"method": "post", "carrier": "中国邮政EMS", "tracking_number": "1234567890123"}
    assert body["delivery_text"] == "邮寄送达（中国邮政EMS 1234567890123）"
    labels = window("GET", f"/api/v1/cases/{case['id']}/labels").get_json()["labels"]
    assert labels["market_opinion"]["label"] and labels["acceptance"]["options"]["accept"] == "受理"
    # What the engine itself puts into every case is named too: no page shows a raw key for it.
    body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert set(body["data"]) - set(labels) == set()
    assert labels["applicant"]["label"] == "申请人" and labels["kind"]["options"]["org"] == "法人或其他组织"


def test_the_correction_notice_is_numbered_and_follows_the_latest_correction(as_):
    window, admin = as_("window"), as_("admin")
    case = take_in(window)
    assert window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "correction"}).status_code == 409
    r = admin("POST", f"/api/v1/cases/{case['id']}/correction",
              json={"items": [{"material": "营业执照", "problem": "未加盖公章"}], "reason": "材料不符合法定形式"})
    assert r.status_code == 201, r.get_json()
    notice = window("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "correction"}).get_json()
    assert notice["title"] == "补正告知书" and notice["items"] == [{"material": "营业执照", "problem": "未加盖公章"}]
    assert notice["number"].startswith("通办补字") and notice["issued_by"] == "window"
    listed = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/notices").get_json()["items"]
    assert [n["number"] for n in listed] == [notice["number"]]
    assert as_("auditor")("POST", f"/api/v1/cases/{case['id']}/notices", json={"kind": "correction"}).status_code == 403
