"""Assignment drawn as Camunda Modeler draws it is enforced through the API: a clerk it excludes
neither sees the task in the inbox nor may claim or complete it, even in the task's lane."""
from tests.conftest import diagram

from .conftest import start_case


def test_candidate_groups_exclude_a_clerk_of_the_lane(deployed, as_):
    path = diagram("conformance", "camunda_window_only.bpmn")
    deployed.repository.deploy([(path.name, path.read_bytes())])
    case = start_case(as_, process="police_check")
    assert as_("window")("GET", "/api/v1/tasks").get_json()["total"] == 0
    police = as_("police")("GET", "/api/v1/tasks").get_json()
    assert police["total"] == 1
    task = police["items"][0]
    assert task["case_id"] == case["id"] and task["lane"] == "综合受理窗口"
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code in (403, 404)
    assert as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}).status_code in (403, 404)
    assert as_("window")("GET", f"/api/v1/cases/{case['id']}").status_code in (403, 404)
    r = as_("police")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {}})
    assert r.status_code == 200, r.get_json()
