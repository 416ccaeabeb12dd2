"""Applicants: registration, own cases only, online applications to a matter or an 一件事
theme, drafts and material uploads (#10b)."""
import hashlib
import io
import os
from pathlib import Path

import pytest

from tests.api.conftest import APPLICANT, make_app, start_case
from tests.conftest import ROOT
from tests.window_data import FOOD_COMPLETE

OTHER = {"kind": "person", "id_number": "440304199001011233", "name": "王五"}
GRADUATE = {"degree": "本科", "age": 22, "graduation_year": 2026, "school": "深圳大学", "has_employer": False,
            "certificate_purpose": "人才引进落户"}
PASSWORD = "Shenzhen-2026"


@pytest.fixture
def themed(tokens, deployed):
    deployed.applicants.deploy_theme_paths([ROOT / "processes" / "themes"])
    return deployed


def register(client, person=APPLICANT, password=PASSWORD):
    return client.post("/api/v1/applicants", json={"name": person["name"], "id_number": person["id_number"],
                                                   "password": password})


@pytest.fixture
def applicant(app, themed):
    """A registered applicant's own browser-like client (session cookie + CSRF)."""
    client = app.test_client()
    r = register(client)
    assert r.status_code == 201, r.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = r.get_json()["csrf_token"]
    return client


def test_registration_checks_number_password_and_duplicates(client, tokens):
    r = client.post("/api/v1/applicants", json={"name": "", "id_number": "110105194912310021", "password": "12345678"})
    assert r.status_code == 422
    details = r.get_json()["details"]
    assert details["id_number"] == "身份证号码校验码不正确"
    assert details["name"] == "请填写申请人名称"
    assert details["password"] == "密码过于常见，请换一个"
    r = register(client, password="11010519491231002Xabc")
    assert r.status_code == 422 and r.get_json()["details"]["password"] == "密码不能包含用户名"
    r = register(client)
    assert r.status_code == 201
    body = r.get_json()
    assert body["role"] == "applicant" and body["user"] == APPLICANT["id_number"] and body["display_name"] == "张三"
    r = register(client, {**APPLICANT, "id_number": APPLICANT["id_number"].lower()})
    assert r.status_code == 409 and r.get_json()["message"] == "该证件号码已注册，请直接登录"


def test_registration_is_rate_limited_per_address(deployed):
    client = make_app(deployed, TONGBAN_REGISTER_RATE_LIMIT="2/3600").test_client()
    codes = [register(client, {**APPLICANT, "name": "张三"}, password="x").status_code for _ in range(3)]
    assert codes == [422, 422, 429]


def test_login_carries_identity_number_and_staff_have_none(client, tokens, deployed):
    register(client)
    actor = deployed.users.authenticate(APPLICANT["id_number"], PASSWORD)
    assert actor.role == "applicant" and actor.id_number == APPLICANT["id_number"]
    assert deployed.users.verify_token(tokens["window"]).id_number is None
    fresh = deployed.users.get("admin")
    assert fresh.id_number is None
    r = client.post("/api/v1/session", json={"name": APPLICANT["id_number"], "password": PASSWORD})
    assert r.status_code == 200 and r.get_json()["role"] == "applicant"


def test_applicant_sees_only_own_cases_in_a_public_view(applicant, as_):
    mine = start_case(as_)                                   # an integrator started it for them
    theirs = as_("portal")("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": OTHER,
                                                          "data": {}}).get_json()
    listed = applicant.get("/api/v1/cases").get_json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]] and listed["total"] == 1
    assert "started_by" not in listed["items"][0]
    assert applicant.get(f"/api/v1/cases/{theirs['id']}").status_code == 404
    assert applicant.get(f"/api/v1/cases/{theirs['id']}/trail").status_code == 404
    detail = applicant.get(f"/api/v1/cases/{mine['id']}").get_json()
    assert detail["tasks"] == [{"name": "受理", "state": "READY", "due_at": detail["tasks"][0]["due_at"]}]
    assert "opinions" not in detail and "started_by" not in detail and "definition" not in detail
    trail = applicant.get(f"/api/v1/cases/{mine['id']}/trail").get_json()["events"]
    assert [e["type"] for e in trail] == ["case_started", "task_ready"]
    assert all(set(e) == {"seq", "type", "at", "data"} for e in trail)
    # Applicants read; they do not start cases through the integrators' endpoint or work tasks.
    assert applicant.post("/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT}
                          ).status_code == 403
    assert applicant.get("/api/v1/tasks").status_code == 403


def test_theme_application_starts_every_matter_from_one_form(applicant, as_, themed):
    themes = applicant.get("/api/v1/themes").get_json()["items"]
    assert {t["key"] for t in themes} == {"graduate_talent", "open_restaurant"}
    r = applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "data": GRADUATE})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [c["process"] for c in body["cases"]] == ["graduate_settlement", "no_criminal_record"]
    graduate, record = (as_("admin")("GET", f"/api/v1/cases/{c['id']}").get_json() for c in body["cases"])
    assert graduate["data"]["school"] == "深圳大学" and "certificate_purpose" not in graduate["data"]
    assert record["data"]["purpose_note"] == "人才引进落户" and "school" not in record["data"]
    assert graduate["channel"] == record["channel"] == "online"
    # Clerks see the sibling cases on each case; so does the applicant.
    assert [c["id"] for c in record["application"]["cases"]] == [c["id"] for c in body["cases"]]
    assert applicant.get(f"/api/v1/applications/{body['id']}").get_json()["cases"] == body["cases"]
    assert as_("hotline")("GET", f"/api/v1/applications/{body['id']}").status_code == 404


def test_bad_theme_data_starts_nothing(applicant, as_, themed):
    r = applicant.post("/api/v1/applications", json={"theme": "graduate_talent",
                                                     "data": {**GRADUATE, "age": 12}})
    assert r.status_code == 422 and "age" in r.get_json()["details"]
    r = applicant.post("/api/v1/applications", json={"theme": "open_restaurant", "data": {"shop_name": "x"}})
    assert r.status_code == 422
    assert as_("admin")("GET", "/api/v1/cases").get_json()["total"] == 0
    r = applicant.post("/api/v1/applications", json={"theme": "nope", "data": {}})
    assert r.status_code == 404
    r = applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "process": "no_criminal_record"})
    assert r.status_code == 422


def test_integrators_apply_for_an_applicant_and_applicants_only_for_themselves(applicant, as_, themed):
    r = as_("portal")("POST", "/api/v1/applications", json={"process": "no_criminal_record", "applicant": OTHER,
                                                            "data": {"purpose_note": "出国"}})
    assert r.status_code == 201
    r = applicant.post("/api/v1/applications", json={"process": "no_criminal_record", "applicant": OTHER})
    assert r.status_code == 403 and r.get_json()["message"] == "只能以本人身份申请"


def test_uploads_are_checked_hashed_stored_outside_the_database_and_used_once(applicant, as_, themed,
                                                                              monkeypatch, tmp_path):
    content = b"%PDF-1.4 diploma"
    r = applicant.post("/api/v1/uploads", data={"material": "毕业证书", "file": (io.BytesIO(content), "a.exe")})
    assert r.status_code == 422 and r.get_json()["error"] == "attachment_type"
    r = applicant.post("/api/v1/uploads", data={"file": (io.BytesIO(content), "a.pdf")})
    assert r.status_code == 422 and "material" in r.get_json()["details"]
    monkeypatch.setenv("TONGBAN_ATTACHMENT_MAX_BYTES", "8")
    r = applicant.post("/api/v1/uploads", data={"material": "毕业证书", "file": (io.BytesIO(content), "a.pdf")})
    assert r.status_code == 422 and r.get_json()["error"] == "attachment_too_large"
    monkeypatch.delenv("TONGBAN_ATTACHMENT_MAX_BYTES")
    r = applicant.post("/api/v1/uploads", data={"material": "毕业证书", "file": (io.BytesIO(content), "毕业证.pdf")})
    assert r.status_code == 201
    upload = r.get_json()
    sha = hashlib.sha256(content).hexdigest()
    assert upload["sha256"] == sha and upload["size"] == len(content)
    stored = Path(os.environ["TONGBAN_ATTACHMENT_DIR"]) / sha[:2] / sha
    assert stored.read_bytes() == content
    r = applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "data": GRADUATE,
                                                     "uploads": [upload["id"]]})
    assert r.status_code == 201
    graduate_id = r.get_json()["cases"][0]["id"]
    files = applicant.get(f"/api/v1/cases/{graduate_id}/attachments").get_json()["items"]
    assert [(f["name"], f["sha256"]) for f in files] == [("毕业证.pdf", sha)]
    got = applicant.get(f"/api/v1/cases/{graduate_id}/attachments/{files[0]['id']}")
    assert got.data == content
    again = applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "data": GRADUATE,
                                                         "uploads": [upload["id"]]})
    assert again.status_code == 422 and again.get_json()["details"]["uploads"] == [upload["id"]]


def test_drafts_are_per_applicant_and_go_away_on_submit(app, applicant, themed):
    target = "/api/v1/application-drafts/theme/graduate_talent"
    assert applicant.get(target).status_code == 404
    r = applicant.put(target, json={"data": {"school": "深圳大学"}})
    assert r.status_code == 200 and r.get_json()["data"] == {"school": "深圳大学"}
    r = applicant.put(target, json={"data": {"school": "深圳大学", "age": 22}})
    assert applicant.get(target).get_json()["data"] == {"school": "深圳大学", "age": 22}
    assert applicant.put("/api/v1/application-drafts/theme/nope", json={"data": {}}).status_code == 404
    other = app.test_client()
    r = register(other, OTHER)
    other.environ_base["HTTP_X_CSRF_TOKEN"] = r.get_json()["csrf_token"]
    assert other.get(target).status_code == 404
    assert applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "data": GRADUATE}
                          ).status_code == 201
    assert applicant.get(target).status_code == 404


def test_application_form_gives_the_form_and_materials(client, themed):
    r = client.get("/api/v1/application-forms/theme/open_restaurant")
    assert r.status_code == 200
    body = r.get_json()
    assert body["name"] == "开办餐饮店" and body["form"]["id"] == "open_restaurant_application"
    assert {m["process"] for m in body["materials"]} == {"food_business_license", "no_criminal_record"}
    single = client.get("/api/v1/application-forms/process/graduate_settlement").get_json()
    assert single["form"]["id"] == "graduate_settlement_application"
    assert client.get("/api/v1/application-forms/process/no_criminal_record").get_json()["form"] is None
    assert client.get("/api/v1/application-forms/process/nope").status_code == 404


def test_blacklist_api_lists_lifts_with_a_reason_and_audits(applicant, as_, themed):
    from tests.test_matters import work

    r = applicant.post("/api/v1/applications", json={"process": "food_business_license", "data": {"shop_name": "面馆"},
                                                     "commitments": ["食品安全管理制度文本"]})
    assert r.status_code == 201, r.get_json()
    case_id = r.get_json()["cases"][0]["id"]
    assert r.get_json()["commitments"] == ["食品安全管理制度文本"]
    work(themed, case_id, "accept", FOOD_COMPLETE)
    work(themed, case_id, "review_market", {"market_opinion": "fail", "commitment_true": False})
    listed = as_("admin")("GET", "/api/v1/blacklist").get_json()["items"]
    assert [(x["id_number"], x["case_id"]) for x in listed] == [(APPLICANT["id_number"], case_id)]
    assert as_("window")("GET", "/api/v1/blacklist").status_code == 403
    r = applicant.post("/api/v1/applications", json={"process": "food_business_license", "data": {},
                                                     "commitments": ["食品安全管理制度文本"]})
    assert r.status_code == 422 and r.get_json()["error"] == "credit_restricted"
    assert "失信" in r.get_json()["message"]
    path = f"/api/v1/blacklist/{APPLICANT['id_number']}/lift"
    assert as_("auditor")("POST", path, json={"reason": "x"}).status_code == 403
    assert as_("admin")("POST", path, json={}).status_code == 422
    r = as_("admin")("POST", path, json={"reason": "信用修复完成"})
    assert r.status_code == 200 and r.get_json()["lifted_by"] == "admin"
    assert as_("admin")("POST", path, json={"reason": "again"}).status_code == 404
    actions = [a["action"] for a in as_("auditor")("GET", "/api/v1/blacklist/audit").get_json()["items"]]
    assert actions == ["lifted", "refused", "listed"]


def test_applicant_tokens_work_and_internal_views_stay_closed(applicant, as_, themed):
    mine = start_case(as_)
    token = themed.users.issue_token(APPLICANT["id_number"])
    r = applicant.application.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert [c["id"] for c in r.get_json()["items"]] == [mine["id"]]
    assert applicant.get(f"/api/v1/cases/{mine['id']}/diagram").status_code == 403
    assert applicant.get(f"/api/v1/cases/{mine['id']}/replay").status_code == 403
    assert applicant.get("/api/v1/blacklist").status_code == 403
    as_("window")("POST", f"/api/v1/cases/{mine['id']}/attachments",
                  data={"file": (io.BytesIO(b"note"), "window.txt")})
    files = applicant.get(f"/api/v1/cases/{mine['id']}/attachments").get_json()["items"]
    assert [(f["name"], f["uploaded_by"]) for f in files] == [("window.txt", "工作人员")]


def test_a_retried_application_with_an_idempotency_key_starts_nothing_twice(as_, themed):
    body = {"theme": "graduate_talent", "applicant": APPLICANT, "data": GRADUATE}
    first = as_("portal")("POST", "/api/v1/applications", json=body, headers={"Idempotency-Key": "k-1"})
    again = as_("portal")("POST", "/api/v1/applications", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert as_("admin")("GET", "/api/v1/cases").get_json()["total"] == 2


def test_a_legal_person_registers_with_its_credit_code_and_applies_as_itself(app, themed):
    client = app.test_client()
    r = client.post("/api/v1/applicants", json={"kind": "org", "name": "福州某某餐饮有限公司",
                                                "id_number": "91350100m000100y43", "password": PASSWORD})
    assert r.status_code == 201 and r.get_json()["user"] == "91350100M000100Y43"
    client.environ_base["HTTP_X_CSRF_TOKEN"] = r.get_json()["csrf_token"]
    r = client.post("/api/v1/applications", json={"process": "food_business_license", "data": {"shop_name": "面馆"}})
    assert r.status_code == 201
    case = client.get(f"/api/v1/cases/{r.get_json()['cases'][0]['id']}").get_json()
    assert case["applicant"] == {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}


def test_the_application_form_names_what_the_licence_library_already_holds(applicant, themed, client):
    """一证申办: a material the applicant's valid e-licence replaces is not asked for online."""
    from tests.test_licences import register_shop

    def business_licence(body):
        [m] = [m for m in body["materials"] if m["name"] == "营业执照"]
        return m["licence"]

    assert business_licence(applicant.get("/api/v1/application-forms/process/food_business_license").get_json()) is None
    shop = register_shop(themed, who=APPLICANT)
    [issued] = themed.licences.of_case(shop.id)["issued"]
    held = business_licence(applicant.get("/api/v1/application-forms/process/food_business_license").get_json())
    assert held == {"type": "营业执照", "name": issued.name, "number": issued.number}
    # Anyone else (no login) sees the same page without anybody's licences.
    assert business_licence(client.get("/api/v1/application-forms/process/food_business_license").get_json()) is None


def test_an_applicant_answers_a_correction_online_with_files_and_a_note_only(applicant, as_):
    case = start_case(as_)                                   # their case, started for them by an integrator
    items = [{"material": "身份证", "problem": "复印件不清晰"}]
    assert as_("window")("POST", f"/api/v1/cases/{case['id']}/correction", json={"items": items}).status_code == 201
    seen = applicant.get(f"/api/v1/cases/{case['id']}").get_json()["correction"]
    assert seen["open"] is True and seen["items"] == items and "opened_by" not in seen
    answer = f"/api/v1/cases/{case['id']}/correction/answer"
    # What an applicant sends never sets the case's variables; an empty answer is refused.
    r = applicant.post(answer, json={"data": {"decision": "approve"}})
    assert r.status_code == 422 and r.get_json()["error"] == "applicant_answer"
    assert applicant.post(answer, json={"data": {"note": "  "}}).status_code == 422
    content = b"%PDF-1.4 clear copy"
    upload = applicant.post("/api/v1/uploads", data={"material": "身份证", "file": (io.BytesIO(content), "身份证.pdf")}
                            ).get_json()
    r = applicant.post(answer, json={"data": {"note": "已重新扫描"}, "uploads": [upload["id"]]})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["open"] is False and "answered_by" not in body
    assert body["answer"] == {"note": "已重新扫描", "channel": "online", "files": [{"name": "身份证.pdf", "material": "身份证"}]}
    staff = as_("window")("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert "note" not in staff["data"] and "decision" not in staff["data"]
    assert staff["correction"]["answer"]["note"] == "已重新扫描"
    assert {t["state"] for t in staff["tasks"] if t["state"] != "COMPLETED"} == {"READY"}   # the case goes on
    files = applicant.get(f"/api/v1/cases/{case['id']}/attachments").get_json()["items"]
    assert [(f["name"], f["sha256"]) for f in files] == [("身份证.pdf", hashlib.sha256(content).hexdigest())]
    trail = [e["type"] for e in applicant.get(f"/api/v1/cases/{case['id']}/trail").get_json()["events"]]
    assert trail[-2:] == ["attachment_added", "correction_answered"]
    # The file is used up: a second answer (or application) cannot take it again.
    as_("window")("POST", f"/api/v1/cases/{case['id']}/correction", json={"items": items})
    r = applicant.post(answer, json={"uploads": [upload["id"]]})
    assert r.status_code == 422 and r.get_json()["details"]["uploads"] == [upload["id"]]


def test_an_applicant_cannot_answer_for_somebody_else(applicant, as_):
    theirs = as_("portal")("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": OTHER,
                                                          "data": {}}).get_json()
    as_("window")("POST", f"/api/v1/cases/{theirs['id']}/correction",
                  json={"items": [{"material": "身份证", "problem": "复印件不清晰"}]})
    r = applicant.post(f"/api/v1/cases/{theirs['id']}/correction/answer", json={"data": {"note": "是我"}})
    assert r.status_code == 404


def test_unsent_uploads_go_after_thirty_days_unless_a_draft_names_them(applicant, themed):
    from datetime import timedelta

    import sqlalchemy as sa

    from engine.models import ApplicationUpload

    store = Path(os.environ["TONGBAN_ATTACHMENT_DIR"])

    def upload(content, name):
        r = applicant.post("/api/v1/uploads", data={"material": "毕业证书", "file": (io.BytesIO(content), name)})
        return r.get_json()
    drafted = upload(b"%PDF-1.4 kept by a draft", "a.pdf")
    loose = upload(b"%PDF-1.4 forgotten", "b.pdf")
    shared = upload(b"%PDF-1.4 also an attachment", "c.pdf")
    assert applicant.put("/api/v1/application-drafts/process/no_criminal_record",
                         json={"data": {}, "uploads": [drafted["id"]]}).status_code == 200
    sent = upload(b"%PDF-1.4 also an attachment", "d.pdf")     # the same bytes, sent with an application
    assert applicant.post("/api/v1/applications", json={"theme": "graduate_talent", "data": GRADUATE,
                                                        "uploads": [sent["id"]]}).status_code == 201
    engine = themed
    assert engine.applicants.purge_stale_uploads() == 0       # nothing is old yet
    engine.clock.travel(timedelta(days=31))
    for path in store.rglob("*"):                             # the files are as old as their rows
        if path.is_file():
            os.utime(path, (0, 0))
    assert engine.applicants.purge_stale_uploads() == 2
    assert (store / drafted["sha256"][:2] / drafted["sha256"]).exists()
    assert not (store / loose["sha256"][:2] / loose["sha256"]).exists()
    assert (store / shared["sha256"][:2] / shared["sha256"]).exists()   # an attachment still needs those bytes
    with engine.db.read() as session:                          # the draft's file is all that is left
        assert session.scalars(sa.select(ApplicationUpload.id)).all() == [drafted["id"]]
