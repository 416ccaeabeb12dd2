"""The analyst workbench's API (#13b): lint, drafts, trials, versions, migration."""
from io import BytesIO

from ..conftest import diagram

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
