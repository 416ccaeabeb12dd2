"""The public guide: GET /api/v1/matters and /api/v1/matters/{code} need no login; the page neither."""
import json

from ..conftest import ROOT


def test_catalogue_is_public(client):
    r = client.get("/api/v1/matters")
    assert r.status_code == 200
    items = {m["process_key"]: m for m in r.get_json()["items"]}
    food = items["food_business_license"]
    assert food["name"] == "食品经营许可" and food["guide"]["kind"] == "行政许可"
    assert food["guide"]["consult_phone"] and food["guide"]["hours"]


def test_one_matter_by_implementation_code_base_code_or_key(client):
    entry = json.loads(ROOT.joinpath("processes", "real_estate_registration.matter.json").read_text("utf-8"))
    for code in (entry["implementation_code"], entry["base_code"], "real_estate_registration"):
        r = client.get(f"/api/v1/matters/{code}")
        assert r.status_code == 200, code
        body = r.get_json()
        assert body["process_key"] == "real_estate_registration"
        assert body["guide"]["materials"][2]["licence_type"] == "不动产权证书"
        assert body["legal_limit_days"] == 30 and body["promised_limit_days"] == 5


def test_unknown_code_is_a_chinese_404(client):
    r = client.get("/api/v1/matters/000000000000")
    assert r.status_code == 404
    assert r.get_json()["error"] == "not_found" and "事项" in r.get_json()["message"]


def test_anonymous_readers_are_rate_limited(deployed):
    from .conftest import make_app

    client = make_app(deployed, TONGBAN_ANON_RATE_LIMIT="3/60").test_client()
    codes = [client.get("/api/v1/matters").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_guide_pages_need_no_login(client):
    for path in ("/guide", "/guide/food_business_license"):
        r = client.get(path)
        assert r.status_code == 200 and "办事指南" in r.get_data(as_text=True)


def test_matter_types_are_public_data(client):
    items = client.get("/api/v1/matter-types").get_json()["items"]
    assert {"code": "01", "name": "行政许可"} in items and {"code": "20", "name": "公共服务"} in items
