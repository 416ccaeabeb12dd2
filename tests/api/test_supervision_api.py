"""Supervision over HTTP: the case clock, special procedures, statistics, the public overdue notice."""
from datetime import datetime

from engine.calendar import BEIJING

from .conftest import open_task, start_case


def accept(as_, case):
    task = open_task(case)
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"acceptance": "accept"}})
    assert r.status_code == 200
    return as_("window")("GET", f"/api/v1/cases/{case['id']}").get_json()


def test_a_case_shows_its_clock_and_outcome(deployed, as_):
    deployed.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = start_case(as_)
    assert case["clock"]["started_at"] is None and case["outcome"] is None
    assert case["tasks"][0]["due_at"].startswith("2026-12-02T15:59:59")   # end of 12-02 in Beijing, as UTC
    body = accept(as_, case)
    clock = body["clock"]
    assert clock["promised_due"].startswith("2026-12-02T15:59:59")
    assert clock["legal_due"].startswith("2026-12-04T15:59:59")
    assert clock["card"] == "" and clock["card_label"] == "正常" and clock["paused_days"] == 0
    deployed.clock.freeze(datetime(2026, 12, 3, 9, 0, tzinfo=BEIJING))
    deployed.supervision.scan()
    clock = as_("window")("GET", f"/api/v1/cases/{case['id']}").get_json()["clock"]
    assert clock["card"] == "yellow" and clock["card_label"] == "黄牌"


def test_special_procedure_over_http(deployed, as_):
    deployed.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = accept(as_, start_case(as_))
    path = f"/api/v1/cases/{case['id']}/special-procedure"
    bad = as_("window")("POST", path, json={"kind": "喝茶", "reason": "x"})
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_input"
    assert as_("window")("POST", path, json={"kind": "鉴定"}).status_code == 422
    r = as_("window")("POST", path, json={"kind": "鉴定", "reason": "需司法鉴定"})
    assert r.status_code == 200 and r.get_json()["clock"]["paused"] is True
    assert r.get_json()["clock"]["pause_reason"] == "特别程序：鉴定"
    deployed.clock.freeze(datetime(2026, 12, 3, 9, 0, tzinfo=BEIJING))
    r = as_("window")("POST", path + "/end", json={"reason": "鉴定意见已出具"})
    assert r.status_code == 200
    clock = r.get_json()["clock"]
    assert clock["paused"] is False and clock["paused_days"] == 2
    assert clock["promised_due"].startswith("2026-12-04T15:59:59")
    trail = [e["type"] for e in as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]]
    assert trail.count("special_procedure_started") == 1 and trail.count("special_procedure_ended") == 1
    assert as_("window")("POST", path + "/end", json={}).status_code == 409


def test_statistics_and_csv_export(deployed, as_):
    deployed.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    accept(as_, start_case(as_))
    r = as_("supervisor")("GET", "/api/v1/stats?from=2026-11-25&to=2026-12-01")
    assert r.status_code == 200
    body = r.get_json()
    assert body["received"] == 1 and body["per_day"][-1] == {"date": "2026-12-01", "received": 1, "completed": 0}
    assert body["rates"]["online"] == 1.0            # started by an integrator: the online channel
    csv = as_("supervisor")("GET", "/api/v1/stats?from=2026-11-25&to=2026-12-01&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[-1] == "2026-12-01,1,0"
    assert as_("supervisor")("GET", "/api/v1/stats?from=2026-12-02&to=2026-12-01").status_code == 422
    assert as_("supervisor")("GET", "/api/v1/stats?from=2020-01-01&to=2026-12-01").status_code == 422
    assert as_("supervisor")("GET", "/api/v1/stats?from=yesterday").status_code == 422


def test_the_overdue_notice_is_public_and_names_no_applicant(deployed, as_, client):
    deployed.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = accept(as_, start_case(as_))
    deployed.clock.freeze(datetime(2026, 12, 8, 9, 0, tzinfo=BEIJING))
    deployed.supervision.scan()
    r = client.get("/api/v1/overdue")
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [i["number"] for i in items] == [case["number"]] and items[0]["card"] == "red"
    assert "张三" not in r.get_data(as_text=True) and "11010519491231002X" not in r.get_data(as_text=True)


def test_status_history_for_exchange(deployed, as_):
    deployed.clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING))
    case = accept(as_, start_case(as_))
    path = f"/api/v1/cases/{case['id']}/special-procedure"
    assert as_("window")("POST", path, json={"kind": "检测", "reason": "送检"}).status_code == 200
    assert as_("window")("POST", path + "/end", json={"reason": "检测完成"}).status_code == 200
    refused = start_case(as_)
    task = open_task(refused)
    as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete",
                  json={"data": {"acceptance": "refuse", "refuse_reason": "非本辖区户籍"}})
    names = lambda c: [i["name"] for i in as_("portal")("GET", f"/api/v1/cases/{c['id']}/status-history")  # noqa: E731
                       .get_json()["items"]]
    assert names(case) == ["已接件", "已受理", "特别程序开始", "特别程序结束"]
    assert names(refused) == ["已接件", "不予受理"]
    assert as_("hotline")("GET", f"/api/v1/cases/{case['id']}/status-history").status_code == 404
