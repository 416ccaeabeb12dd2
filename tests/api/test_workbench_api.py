"""The analyst workbench's API (#13b): lint, drafts, trials, versions, migration."""
from io import BytesIO

from ..conftest import diagram
from .conftest import start_case

LINT = diagram("lint")
SUPPORT = ["lint_decide.form", "lint_apply.form", "lint_rule.dmn"]


def test_api_check_and_deploy(as_):
    analyst = as_("analyst")

    def post(path, *names):
        data = {"file": [(BytesIO((LINT / n).read_bytes()), n) for n in [*names, *SUPPORT]]}
        return analyst("POST", path, data=data, content_type="multipart/form-data")

    r = post("/api/v1/definitions/check", "condition_typo_bad.bpmn")
    assert r.status_code == 200
    body = r.get_json()
    assert body["ok"] is False
    problem = next(p for p in body["problems"] if p["code"] == "unknown_variable")
    assert set(problem) == {"severity", "code", "file", "element_id", "element_name", "message"}
    assert analyst("GET", "/api/v1/definitions/bpmn/lint_condition").status_code == 404   # never deployed

    r = post("/api/v1/definitions", "condition_typo_bad.bpmn")
    assert r.status_code == 422
    error = r.get_json()   # errors as everywhere in this API: {"error": code, "message", "details"}
    assert error["error"] == "lint_failed" and "decison" in error["message"]
    assert any(p["element_id"] == "f_yes" for p in error["details"]["problems"])

    r = post("/api/v1/definitions/check", "condition_typo_good.bpmn")
    assert r.get_json()["ok"] is True
    r = post("/api/v1/definitions", "condition_typo_good.bpmn")
    assert r.status_code == 201
    assert any(w.get("code") == "no_lane" for w in r.get_json()["warnings"])

    assert as_("window")("POST", "/api/v1/definitions/check", data={"file": (BytesIO(b"x"), "x.bpmn")},
                         content_type="multipart/form-data").status_code == 403
    r = analyst("POST", "/api/v1/definitions/check", data={"file": (BytesIO(b"<bpmn:definitions"), "x.bpmn")},
                content_type="multipart/form-data")
    assert r.status_code == 200 and r.get_json()["problems"][0]["code"] == "invalid"


def upload(*names):
    return {"data": {"file": [(BytesIO((LINT / n).read_bytes()), n) for n in names]},
            "content_type": "multipart/form-data"}


def test_drafts_trials_publish_versions_and_migration(as_):
    analyst = as_("analyst")
    files = ["condition_typo_good.bpmn", "lint_decide.form", "lint_apply.form"]
    r = analyst("PUT", "/api/v1/drafts/lint_condition", **upload("condition_typo_bad.bpmn", *files[1:]))
    assert r.status_code == 200 and r.get_json()["ok"] is False and r.get_json()["problems"]
    r = analyst("POST", "/api/v1/drafts/lint_condition/publish", json={"note": "首版"})
    assert r.status_code == 422 and r.get_json()["error"] == "lint_failed"
    r = analyst("PUT", "/api/v1/drafts/lint_condition", **upload(*files))
    body = r.get_json()
    assert body["ok"] is True and set(body) >= {"key", "name", "files", "updated_at", "updated_by", "problems"}
    assert analyst("GET", "/api/v1/drafts").get_json()["items"][0]["key"] == "lint_condition"
    assert "sources" in analyst("GET", "/api/v1/drafts/lint_condition").get_json()
    assert as_("window")("GET", "/api/v1/drafts").status_code == 403

    r = analyst("POST", "/api/v1/drafts/lint_condition/trials", json={"data": {"applicant_name": "张三"}})
    assert r.status_code == 201
    trial = r.get_json()
    assert trial["active"] == ["decide"] and trial["tasks"][0]["name"] == "决定"
    r = analyst("POST", f"/api/v1/trials/{trial['id']}/tasks/{trial['tasks'][0]['id']}/complete",
                json={"data": {"decision": "approve"}})
    assert r.status_code == 200 and r.get_json()["finished"] is True
    assert analyst("GET", f"/api/v1/trials/{trial['id']}").get_json()["finished"] is True
    assert analyst("GET", "/api/v1/trials/999999").status_code == 404
    assert analyst("POST", f"/api/v1/trials/{trial['id']}/tasks/nope/complete", json={"data": {}}).status_code == 404

    assert analyst("POST", "/api/v1/drafts/lint_condition/publish", json={}).status_code == 422
    r = analyst("POST", "/api/v1/drafts/lint_condition/publish", json={"note": "首版：决定后分流"})
    assert r.status_code == 201 and r.get_json()["key"] == "lint_condition"
    case = start_case(as_, process="lint_condition", data={"applicant_name": "张三"})
    versions = analyst("GET", "/api/v1/definitions/lint_condition/versions").get_json()["items"]
    assert versions == [{**versions[0], "version": 1, "note": "首版：决定后分流", "running_cases": 1}]
    assert analyst("GET", "/api/v1/definitions/nothing_here/versions").status_code == 404

    # v2 renames the step the case waits at: the dry run says why it cannot move, the batch leaves it.
    source = (LINT / "condition_typo_good.bpmn").read_text().replace('"decide"', '"decide_new"')
    r = analyst("POST", "/api/v1/definitions", data={"file": [(BytesIO(source.encode()), "v2.bpmn")] + [
        (BytesIO((LINT / n).read_bytes()), n) for n in files[1:]]}, content_type="multipart/form-data")
    assert r.status_code == 201
    for dry in (True, False):
        r = analyst("POST", "/api/v1/migrations", json={"process": "lint_condition", "to_version": 2, "dry_run": dry})
        assert r.status_code == 200
        (item,) = r.get_json()["items"]
        assert item["case"] == case["id"] and item["movable"] is False and item["moved"] is False
        assert "决定" in item["reason"]
    assert analyst("POST", "/api/v1/migrations", json={"process": "lint_condition", "to_version": 9}).status_code == 404
    assert analyst("POST", "/api/v1/migrations", json={"process": "lint_condition"}).status_code == 422
    assert as_("window")("POST", "/api/v1/migrations", json={"process": "x", "to_version": 1}).status_code == 403

    assert analyst("DELETE", "/api/v1/drafts/lint_condition").status_code == 204
    assert analyst("DELETE", "/api/v1/drafts/lint_condition").status_code == 404


def test_a_broken_condition_reaches_the_clerk_in_chinese(as_):
    """A diagram deployed with lint's warning ignored reads a variable no case has."""
    r = as_("analyst")("POST", "/api/v1/definitions", **upload("condition_unknown_warning.bpmn", "lint_decide.form"))
    assert r.status_code == 201
    case = start_case(as_, process="lint_condition")
    task = next(t for t in case["tasks"] if t["state"] == "READY")
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "script_error" and "urgent" in body["message"] and "流程管理员" in body["message"]
    text = str(body)
    assert "is not defined" not in text and "Traceback" not in text and "NameError" not in body["message"]
