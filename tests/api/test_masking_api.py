"""Identity numbers are masked for everyone but auditors (and the applicant themself):
case pages and lists, the trail, CSV, webhook payloads, log lines."""
import json
import logging

from engine.models import WebhookDelivery

from .conftest import APPLICANT, start_case

FULL = APPLICANT["id_number"]            # 11010519491231002X
MASKED = "1101**********002X"


def test_staff_see_the_number_masked_auditors_in_full(as_):
    case = start_case(as_, data={"purpose_note": f"代 {FULL} 办理"})
    checked = set()
    for who in ("window", "admin", "portal", "supervisor"):
        detail = as_(who)("GET", f"/api/v1/cases/{case['id']}")
        if detail.status_code != 200:
            continue
        checked.add(who)
        text = detail.get_data(as_text=True)
        assert FULL not in text and MASKED in text, who
        assert detail.get_json()["applicant"]["id_number"] == MASKED
    assert {"window", "admin", "portal"} <= checked
    listing = as_("admin")("GET", "/api/v1/cases").get_data(as_text=True)
    assert FULL not in listing and MASKED in listing
    trail = as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_data(as_text=True)
    assert FULL not in trail and MASKED in trail
    audited = as_("auditor")("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert audited["applicant"]["id_number"] == FULL
    assert FULL in as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_data(as_text=True)
    # The trail export is self-verifying evidence: masking would break its hash chain.
    exported = as_("admin")("GET", f"/api/v1/cases/{case['id']}/export")
    assert exported.status_code == 200 and FULL in exported.get_data(as_text=True)
    # Searching by the full number still works: only the answer is masked.
    found = as_("window")("GET", f"/api/v1/cases?applicant_id_number={FULL}").get_json()
    assert [c["id"] for c in found["items"]] == [case["id"]]


def test_webhook_payloads_carry_masked_numbers(deployed, as_, monkeypatch):
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "127.0.0.1")
    r = as_("portal")("POST", "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["case_started"]})
    assert r.status_code == 201, r.get_json()
    start_case(as_)
    with deployed.db.read() as session:
        [delivery] = session.query(WebhookDelivery).all()
        body = json.dumps(delivery.payload, ensure_ascii=False)
    assert FULL not in body and MASKED in body


def test_log_lines_are_masked(as_, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("api.test").warning("申请人 %s 的办件", FULL)
    assert MASKED in caplog.text and FULL not in caplog.text


def test_the_applicant_sees_their_own_number_and_no_one_elses(deployed):
    """An applicant's actor carries ``id_number`` (the applicant role's contract): theirs stays whole."""
    from types import SimpleNamespace

    from flask import g

    from .conftest import make_app

    app = make_app(deployed)
    other = "440301198503151232"

    @app.route("/t/applicant")
    def as_applicant():
        g.actor = SimpleNamespace(name="zhang", role="applicant", id_number=FULL)
        return {"me": FULL, "other": other}

    body = app.test_client().get("/t/applicant").get_json()
    assert body == {"me": FULL, "other": "4403**********1232"}
