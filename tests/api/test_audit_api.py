"""Audit endpoints through the HTTP API: verify, replay, export."""
from .conftest import start_case


def test_verify_reports_an_intact_chain_with_its_head(as_):
    case = start_case(as_, who="portal")
    body = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/verify").get_json()
    assert body["intact"] is True and body["broken"] is None
    events = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    assert body["events"] == len(events) and body["head"] == events[-1]["hash"]
    assert as_("auditor")("GET", "/api/v1/cases/999999/verify").status_code == 404


def test_replay_re_executes_a_case_through_the_api(as_):
    case = start_case(as_, who="portal")
    body = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/replay").get_json()
    assert body["ok"] is True and body["divergence"] is None and body["status"] == "running"
    assert body["path"] and body["events"] > 0


def test_export_carries_the_chain_and_checks_itself(as_):
    from engine.history.chain import check_export

    case = start_case(as_, who="portal")
    body = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/export").get_json()
    assert body["format"] == "tongban-trail/1" and body["exported_by"] == "auditor"
    assert body["chain"]["head"] == body["events"][-1]["hash"] and body["verification"]["intact"]
    assert check_export(body) is None
    body["events"][0]["actor"] = "someone-else"
    assert check_export(body).seq == 1
    body = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/export").get_json()
    body["events"].pop()
    assert check_export(body).reason == "head_mismatch"
