"""The read path (issue #14): GET /cases/{id} reads in one session (one connection checkout,
one BEGIN, the credentials counter read once for auth and names) with a pinned number of statements."""
from contextlib import contextmanager

from ..conftest import BACKEND
from .conftest import open_task, start_case
from .test_hot_path_api import counting, listening

ACCEPT = {"acceptance": "accept", "purpose": "employment"}


@contextmanager
def checkouts(engine):
    """How many times the engine's pools hand out a connection."""
    seen = []
    with listening(engine, checkout=lambda *_: seen.append(1)):
        yield seen


def read_case(deployed, caller, case_id):
    with checkouts(deployed) as checked_out, counting(deployed) as seen:
        r = caller("GET", f"/api/v1/cases/{case_id}")
    assert r.status_code == 200, r.get_json()
    return r.get_json(), seen, len(checked_out)


def test_a_case_page_is_one_session_with_a_pinned_number_of_statements(deployed, as_):
    window = as_("window")
    case = start_case(as_)
    window("GET", f"/api/v1/cases/{case['id']}")  # the token, names and the version's waits are cached now
    body, seen, sessions = read_case(deployed, window, case["id"])
    assert sessions == 1 and seen["commits"] == 0
    assert len([s for s in seen["statements"] if s.startswith("BEGIN")]) == {"sqlite": 1, "postgresql": 0}[BACKEND]
    texts = [s for s in seen["statements"] if not s.startswith("BEGIN")]
    # The counter once (auth and names share it); no user, token or definition read.
    assert len([s for s in texts if "FROM generation" in s]) == 1
    assert not [s for s in texts if "user_account" in s or "api_token" in s or "FROM definition" in s]
    # The task rows once, without their case or candidates; the opinions come from them.
    tasks = [s for s in texts if s.startswith("SELECT human_task.")]
    assert len(tasks) == 1 and 'JOIN "case"' not in tasks[0]
    assert not [s for s in texts if s.startswith("SELECT human_task_candidate.")]
    # Pinned: generation, case, tasks, correction, stored state (what it waits for), notices.
    assert len(texts) == 6, "\n".join(texts)
    assert body["tasks"] and body["waiting"] == []


def test_names_are_cached_until_a_person_changes(deployed, as_):
    window, admin = as_("window"), as_("admin")
    case = start_case(as_)
    assert window("GET", f"/api/v1/cases/{case['id']}").get_json()["started_by_name"] == "portal"
    _, seen, _ = read_case(deployed, window, case["id"])
    assert not [s for s in seen["statements"] if "user_account" in s]
    assert admin("PATCH", "/api/v1/users/portal", json={"display_name": "王窗口"}).status_code == 200
    body, seen, _ = read_case(deployed, window, case["id"])
    assert body["started_by_name"] == "王窗口"  # the change bumped the credentials counter
    assert [s for s in seen["statements"] if "user_account" in s]


def test_opinions_keep_their_order(deployed, as_):
    window = as_("window")
    case = start_case(as_)
    r = window("POST", f"/api/v1/tasks/{open_task(case)['id']}/complete",
               json={"data": ACCEPT, "opinion": "材料齐全，予以受理"})
    assert r.status_code == 200, r.get_json()
    body = window("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert [(o["element_id"], o["opinion"]) for o in body["opinions"]] == [("accept", "材料齐全，予以受理")]
    expected = deployed.tasks.opinions(case["id"])
    assert [o["task_id"] for o in body["opinions"]] == [t.id for t in expected]
