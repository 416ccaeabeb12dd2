"""One error shape everywhere, size limits, the OpenAPI document and docs page."""
from pathlib import Path

from .conftest import APPLICANT

ROOT = Path(__file__).resolve().parents[2]
SHAPE = {"error", "message", "details"}


def test_unknown_path_wrong_method_and_bad_json_are_json(client, as_):
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and set(r.get_json()) == SHAPE
    r = as_("portal")("PUT", "/api/v1/cases")
    assert r.status_code == 405 and r.get_json()["error"] == "method_not_allowed"
    r = as_("portal")("POST", "/api/v1/cases", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and set(r.get_json()) == SHAPE
    assert "Traceback" not in r.get_data(as_text=True)


def test_request_size_limits(as_):
    big = {"process": "no_criminal_record", "applicant": APPLICANT, "data": {"x": "字" * 400_000}}
    r = as_("portal")("POST", "/api/v1/cases", json=big)
    assert r.status_code == 413 and r.get_json()["error"] == "payload_too_large"


def test_deploy_upload_new_version_unchanged_and_invalid(as_):
    analyst = as_("analyst")
    path = ROOT / "forms" / "no_criminal_record_deliver.form"
    same = analyst("POST", "/api/v1/definitions", data={"file": (path.open("rb"), path.name)},
                   content_type="multipart/form-data")
    assert same.status_code == 200 and same.get_json()["version"] == 1 and same.get_json()["kind"] == "form"
    changed = path.read_text(encoding="utf-8").replace("出件", "出件（新）")
    from io import BytesIO
    new = analyst("POST", "/api/v1/definitions", data={"file": (BytesIO(changed.encode()), path.name)},
                  content_type="multipart/form-data")
    assert new.status_code == 201
    assert {k: new.get_json()[k] for k in ("key", "version", "kind")} == {
        "key": "no_criminal_record_deliver", "version": 2, "kind": "form"}
    bad = analyst("POST", "/api/v1/definitions", data={"file": (BytesIO(b"<bpmn:definitions"), "x.bpmn")},
                  content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["error"] == "definition_invalid"
    evil = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>')
    r = analyst("POST", "/api/v1/definitions", data={"file": (BytesIO(evil), "evil.bpmn")},
                content_type="multipart/form-data")
    assert r.status_code == 422 and "root:" not in r.get_data(as_text=True)
    assert analyst("POST", "/api/v1/definitions", data={}, content_type="multipart/form-data").status_code == 422
    listed = analyst("GET", "/api/v1/definitions?kind=form&all_versions=true").get_json()["items"]
    assert [d["version"] for d in listed if d["key"] == "no_criminal_record_deliver"] == [2, 1]
    src = analyst("GET", "/api/v1/definitions/form/no_criminal_record_deliver?version=1").get_json()
    assert src["version"] == 1 and "出件（新）" not in src["source"]
    assert analyst("GET", "/api/v1/definitions/bpmn/nothing").status_code == 404


def test_matters_catalogue(as_):
    items = as_("portal")("GET", "/api/v1/matters").get_json()["items"]
    assert "no_criminal_record" in {m["process_key"] for m in items}


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/trail",
                 "/api/v1/cases/{case_id}/messages", "/api/v1/tasks", "/api/v1/tasks/{task_id}/complete",
                 "/api/v1/definitions", "/api/v1/webhooks", "/api/v1/session"):
        assert path in paths, path
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert "允许的角色" in paths["/api/v1/cases"]["post"]["description"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/cases/{case_id}/trail" in page.get_data(as_text=True)


def test_every_response_carries_the_safety_headers(client):
    for path in ("/api/v1/openapi.json", "/login"):
        r = client.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "same-origin"


def test_nul_characters_are_refused_before_they_reach_the_database(as_):
    admin = as_("admin")
    r = admin("GET", "/api/v1/tokens?user=a%00b")
    assert r.status_code == 422 and r.get_json()["error"] == "nul_character"
    r = admin("POST", "/api/v1/cases", json={"process": "no\u0000such", "applicant": {}})
    assert r.status_code == 422 and r.get_json()["error"] == "nul_character"
    assert admin("GET", "/api/v1/cases?process=x%00").status_code == 422


def test_every_schema_in_the_openapi_document_has_its_own_name(deployed):
    """apispec renames a schema whose name another already took (Draft, Draft1): the document would
    then describe one endpoint with another's schema name."""
    import warnings

    from .conftest import make_app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = make_app(deployed).test_client().get("/api/v1/openapi.json").get_json()
    assert not [str(w.message) for w in caught if "Multiple schemas resolved" in str(w.message)]
    names = spec["components"]["schemas"]
    assert "Draft" in names and "ApplicationDraft" in names and "Draft1" not in names
