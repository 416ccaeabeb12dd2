"""Public service over HTTP: e-licences (list, revoke, on the case), 进度查询, 好差评."""
from types import SimpleNamespace

import pytest

from engine.errors import Conflict, Forbidden, NotFound


OPERATOR = {"kind": "person", "id_number": "440301198503151232", "name": "陈小餐"}
SHOP = {"business_name": "陈记肠粉店", "organisation_form": "individual", "business_scope": "小型餐饮（热食类）",
        "premises": "深圳市福田区某路1号", "capital": 10}
REGISTRY = "市场监管局"


@pytest.fixture
def registry_clerk(deployed, tokens):
    deployed.users.add("registrar", "clerk", groups=[REGISTRY])
    return deployed.users.issue_token("registrar")


def call(client, token, method, path, **kwargs):
    return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def start(as_, process, data, applicant=OPERATOR):
    r = as_("portal")("POST", "/api/v1/cases", json={"process": process, "applicant": applicant, "data": data})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def complete(client, token, case_id, element, data):
    case = call(client, token, "GET", f"/api/v1/cases/{case_id}").get_json()
    task = next(t for t in case["tasks"] if t["state"] == "READY" and t["element_id"] == element)
    r = call(client, token, "POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def register(client, tokens, as_, registry_clerk):
    case = start(as_, "individual_business_registration", SHOP)
    complete(client, tokens["window"], case["id"], "accept", {"acceptance": "accept"})
    complete(client, registry_clerk, case["id"], "review", {"decision": "approve"})
    return case


def test_licence_issued_listed_reused_and_revoked(client, tokens, as_, registry_clerk, deployed):
    shop = register(client, tokens, as_, registry_clerk)
    listed = as_("window")("GET", f"/api/v1/licences?holder={OPERATOR['id_number']}").get_json()
    [licence] = listed["items"]
    assert licence["type"] == "营业执照" and licence["status"] == "valid" and licence["case_id"] == shop["id"]
    assert licence["holder"]["id_number"] == "4403**********1232"  # a clerk sees it masked
    full = as_("auditor")("GET", f"/api/v1/licences?holder={OPERATOR['id_number']}").get_json()["items"][0]
    assert full["holder"]["id_number"] == OPERATOR["id_number"]
    assert as_("analyst")("GET", "/api/v1/licences").status_code == 403

    food = start(as_, "food_business_license", {})
    on_case = as_("admin")("GET", f"/api/v1/cases/{food['id']}/licences").get_json()
    assert [(r["material"], r["licence"]["number"]) for r in on_case["reused"]] == [("营业执照", licence["number"])]
    assert as_("admin")("GET", f"/api/v1/cases/{shop['id']}/licences").get_json()["issued"][0]["id"] == licence["id"]

    path = f"/api/v1/licences/{licence['id']}/revoke"
    assert as_("window")("POST", path, json={"reason": "x"}).status_code == 403
    assert as_("admin")("POST", path, json={}).status_code == 422
    r = as_("admin")("POST", path, json={"reason": "以欺骗手段取得登记"})
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    assert as_("admin")("POST", path, json={"reason": "again"}).status_code == 409
    trail = as_("auditor")("GET", f"/api/v1/cases/{shop['id']}/trail").get_json()["events"]
    assert any(e["type"] == "licence_revoked" and e["data"]["reason"] == "以欺骗手段取得登记" for e in trail)
    again = start(as_, "food_business_license", {})
    assert as_("admin")("GET", f"/api/v1/cases/{again['id']}/licences").get_json()["reused"] == []


def test_applicants_see_only_their_own_licences(deployed, client, tokens, as_, registry_clerk):
    register(client, tokens, as_, registry_clerk)
    me = SimpleNamespace(name="chen", role="applicant", id_number=OPERATOR["id_number"])
    other = SimpleNamespace(name="zhang", role="applicant", id_number="11010519491231002X")
    assert deployed.licences.list(me)["total"] == 1
    assert deployed.licences.list(other)["total"] == 0
    with pytest.raises(Forbidden):
        deployed.licences.list(other, holder=OPERATOR["id_number"])


def test_progress_answers_only_to_the_right_identity_number(client, tokens, as_, registry_clerk):
    case = start(as_, "individual_business_registration", SHOP)
    url = f"/api/v1/public/progress?number={case['number']}&id_number={OPERATOR['id_number']}"
    r = client.get(url)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"number", "matter", "stage", "status", "received_at", "deadline", "result"}
    assert body["stage"] == "受理" and body["matter"] == "个体工商户设立登记" and body["result"] is None
    complete(client, tokens["window"], case["id"], "accept", {"acceptance": "accept"})
    body = client.get(url).get_json()
    assert body["stage"] == "决定" and body["deadline"]  # the review task is named 审核并决定
    complete(client, registry_clerk, case["id"], "review", {"decision": "approve"})
    body = client.get(url).get_json()
    assert body["stage"] == "办结" and body["status"] == "completed" and body["result"] == "准予"

    wrong = client.get(f"/api/v1/public/progress?number={case['number']}&id_number=11010519491231002X")
    unknown = client.get(f"/api/v1/public/progress?number=NO-SUCH&id_number={OPERATOR['id_number']}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json()["message"] == unknown.get_json()["message"]
    assert wrong.get_json()["details"].keys() == unknown.get_json()["details"].keys()
    assert client.get("/api/v1/public/progress?number=x").status_code == 422


def test_progress_is_rate_limited(deployed, as_):
    from .conftest import make_app

    case = start(as_, "individual_business_registration", SHOP)
    limited = make_app(deployed, TONGBAN_ANON_RATE_LIMIT="100/60", TONGBAN_LOGIN_RATE_LIMIT="3/60").test_client()
    guesses = [limited.get(f"/api/v1/public/progress?number={case['number']}&id_number=1101051949123100{i}X")
               .status_code for i in range(5)]
    assert guesses[:3] == [404, 404, 404] and guesses[3] == 429
    # The right number is refused too while that case number is locked against guessing.
    assert limited.get(f"/api/v1/public/progress?number={case['number']}&id_number={OPERATOR['id_number']}") \
        .status_code == 429
    by_address = make_app(deployed, TONGBAN_ANON_RATE_LIMIT="2/60").test_client()
    codes = [by_address.get(f"/api/v1/public/progress?number=n{i}&id_number=b",
                            environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for i in range(3)]
    assert codes == [404, 404, 429]


def test_one_rating_per_finished_case(deployed, client, tokens, as_, registry_clerk):
    case = start(as_, "individual_business_registration", SHOP)
    rate = lambda who, body: as_(who)("POST", f"/api/v1/cases/{case['id']}/rating", json=body)  # noqa: E731
    assert rate("portal", {"score": 5}).status_code == 409  # not finished yet
    complete(client, tokens["window"], case["id"], "accept", {"acceptance": "accept"})
    complete(client, registry_clerk, case["id"], "review", {"decision": "approve"})
    assert rate("window", {"score": 5}).status_code == 403
    assert rate("hotline", {"score": 5}).status_code == 404  # another integrator's case
    assert rate("portal", {"score": 6}).status_code == 422
    r = rate("portal", {"score": 4, "comment": "一次办好，很快"})
    assert r.status_code == 201 and r.get_json()["department"] == "市场监管局"
    assert rate("portal", {"score": 1}).status_code == 409
    # The applicant themself may not rate again either.
    me = SimpleNamespace(name="chen", role="applicant", id_number=OPERATOR["id_number"])
    with pytest.raises(Conflict):
        deployed.ratings.rate(case["id"], 2, "", me)
    stranger = SimpleNamespace(name="li", role="applicant", id_number="11010519491231002X")
    with pytest.raises(NotFound):
        deployed.ratings.rate(case["id"], 2, "", stranger)

    listed = as_("supervisor")("GET", "/api/v1/ratings").get_json()
    assert listed["total"] == 1 and listed["items"][0]["score"] == 4
    assert listed["by_matter"] == [{"key": "individual_business_registration", "name": "个体工商户设立登记",
                                    "count": 1, "average": 4.0, "good": 1, "bad": 0}]
    assert listed["by_department"][0]["name"] == "市场监管局"
    stats = as_("admin")("GET", "/api/v1/stats").get_json()
    assert stats["ratings"] == [{"department": "市场监管局", "matter": "个体工商户设立登记",
                                 "label": "个体工商户设立登记（市场监管局）", "count": 1, "average": 4.0,
                                 "good": 1, "bad": 0}]
    trail = as_("auditor")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    assert [e["data"]["score"] for e in trail if e["type"] == "case_rated"] == [4]
