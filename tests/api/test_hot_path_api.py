"""The hot path (issue #14): statements and commits per write request, the credential
cache (revocation still immediate, across processes too), rate limits counted in batches."""
from contextlib import contextmanager

import sqlalchemy as sa

from engine import Engine

from .conftest import APPLICANT, WINDOW_GROUP, make_app, open_task, start_case

ACCEPT = {"acceptance": "accept", "purpose": "employment"}


@contextmanager
def listening(engine, **handlers):
    """``handlers`` ({event name: function}) listen on both of the engine's pools for the block."""
    pairs = [(bind, name, fn) for bind in {engine.db.engine, engine.db.read_engine} for name, fn in handlers.items()]
    for bind, name, fn in pairs:
        sa.event.listen(bind, name, fn)
    try:
        yield
    finally:
        for bind, name, fn in pairs:
            sa.event.remove(bind, name, fn)


@contextmanager
def counting(engine):
    """Every statement the engine's connections send, and every COMMIT (``committed_at``: how
    many statements had been sent when it came)."""
    seen = {"statements": [], "commits": 0, "committed_at": []}

    def statement(conn, cursor, text, *args):
        seen["statements"].append(" ".join(text.split()))

    def commit(conn):
        seen["commits"] += 1
        seen["committed_at"].append(len(seen["statements"]))
    with listening(engine, before_cursor_execute=statement, commit=commit):
        yield seen


def queries(seen, table):
    return [s for s in seen["statements"] if s.startswith("SELECT") and f"FROM {table}" in s]


def test_a_complete_is_one_commit_with_a_pinned_number_of_statements(deployed, as_):
    window = as_("window")
    warm, task = (open_task(start_case(as_)) for _ in range(2))
    # The token, the form and its newest version are read once per process; what follows is the common path.
    assert window("POST", f"/api/v1/tasks/{warm['id']}/complete", json={"data": ACCEPT}).status_code == 200
    with counting(deployed) as seen:
        r = window("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT})
    assert r.status_code == 200, r.get_json()
    assert seen["commits"] == 1
    texts = [s for s in seen["statements"] if s not in ("BEGIN", "BEGIN IMMEDIATE")]
    # Auth: the change counter only; no token, user, group or rate-limit statement.
    assert not [s for s in texts if "api_token" in s or "user_group" in s or "rate_limit" in s]
    # The case row is written once, with its version checked in that one statement.
    updates = [s for s in texts if s.startswith('UPDATE "case"')]
    assert len(updates) == 1 and "row_version" in updates[0].split("WHERE")[1]
    # No webhook subscription or job read (none exists; the diagram draws no timer).
    assert not queries(seen, "webhook_subscription") and not queries(seen, "job")
    # The task row is read once before the lock (with its candidates, one statement) and once
    # under it, with the case's other open rows.
    task_reads = [s for s in texts if s.startswith("SELECT") and "FROM human_task" in s]
    assert len(task_reads) == 2, "\n".join(task_reads)
    assert len([s for s in task_reads if "WHERE human_task.case_id" in s and "human_task.state IN" in s]) == 1
    assert not queries(seen, "human_task_candidate")  # joined into the task reads
    # The open 补正告知 comes with the case's lock read; supervision reads nothing more.
    assert not [s for s in texts if s.startswith("SELECT correction")]
    # The trail's events go in one INSERT; the new task row is inserted with its deadline (no UPDATE
    # after), the completed one updated once.
    assert len([s for s in texts if s.startswith("INSERT INTO case_event")]) == 1
    assert len([s for s in texts if s.startswith("UPDATE human_task")]) == 1
    # Pinned: a new statement on this path is a decision.
    assert len(texts) == 10, "\n".join(texts)


def test_a_start_is_one_commit_with_a_pinned_number_of_statements(deployed, as_):
    start_case(as_, who="admin")  # the definition, the catalogue entry and the form are read once per process
    with counting(deployed) as seen:
        case = start_case(as_, who="admin")
    assert seen["commits"] == 1
    assert [t["element_id"] for t in case["next_tasks"]] == ["accept"]
    texts = [s for s in seen["statements"] if s not in ("BEGIN", "BEGIN IMMEDIATE")]
    unit = [s for s in seen["statements"][:seen["committed_at"][0]] if s not in ("BEGIN", "BEGIN IMMEDIATE")]
    # Neither the definition nor the catalogue entry: both come from the process cache.
    assert not [s for s in unit if "FROM definition" in s or "FROM matter" in s]
    # A new case has no inbox rows, 补正告知 or running cards to read back.
    assert not [s for s in unit if s.startswith("SELECT") and ("FROM human_task" in s or "FROM correction" in s)]
    assert len([s for s in unit if s.startswith("INSERT INTO case_event")]) == 1
    assert not [s for s in unit if s.startswith("UPDATE human_task")]  # inserted with its deadline
    # Pinned: auth's counter read, the counter in the unit of work, the case (inserted, then
    # numbered and saved: one UPDATE), the applicant's licences, the task row and the trail.
    assert len(unit) == 7, "\n".join(unit)
    # What the starter may work is known in the unit of work: after the commit only the
    # response's case detail is read (the read path's; not pinned here), nothing written.
    after = texts[len(unit):]
    assert not [s for s in after if not s.startswith("SELECT")]
    assert len(after) <= 8, "\n".join(after)


def test_a_claim_is_one_commit(deployed, as_):
    window = as_("window")
    task = open_task(start_case(as_))
    window("GET", "/api/v1/tasks")
    with counting(deployed) as seen:
        assert window("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    assert seen["commits"] == 1
    texts = [s for s in seen["statements"] if s not in ("BEGIN", "BEGIN IMMEDIATE")]
    assert len([s for s in texts if s.startswith('UPDATE "case"')]) == 1
    # The task row with its candidates (and its case: no second case read), the event, the
    # case and the row written; the response's counter and name reads.
    assert len(texts) == 7, "\n".join(texts)


def test_the_token_cache_is_used_and_revocation_is_still_immediate(deployed, client, tokens):
    bearer = {"Authorization": f"Bearer {tokens['window']}"}
    assert client.get("/api/v1/session", headers=bearer).status_code == 200
    with counting(deployed) as seen:
        assert client.get("/api/v1/session", headers=bearer).status_code == 200
    assert not queries(seen, "api_token") and not queries(seen, "user_group")
    # Revoked through another process (its own engine on the same database): refused at once.
    other = Engine(deployed.db.url)
    try:
        other.users.revoke_token(tokens["window"])
    finally:
        other.close()
    r = client.get("/api/v1/session", headers=bearer)
    assert r.status_code == 401 and r.get_json()["error"] == "unauthenticated"


def test_the_cache_follows_deactivation_and_group_changes_made_elsewhere(deployed, client, tokens):
    bearer = {"Authorization": f"Bearer {tokens['police']}"}
    assert client.get("/api/v1/session", headers=bearer).get_json()["groups"] != [WINDOW_GROUP]
    other = Engine(deployed.db.url)
    try:
        other.users.set_groups("police", [WINDOW_GROUP])
        assert client.get("/api/v1/session", headers=bearer).get_json()["groups"] == [WINDOW_GROUP]
        from engine.models import User
        with other.db.write() as s:
            s.scalars(sa.select(User).where(User.name == "police")).one().active = False
    finally:
        other.close()
    assert client.get("/api/v1/session", headers=bearer).status_code == 401


def test_browser_sessions_end_at_once_with_the_cache(deployed, tokens):
    from .conftest import with_password
    with_password(deployed, "window")
    one, two = make_app(deployed).test_client(), make_app(deployed).test_client()
    r = one.post("/api/v1/session", json={"name": "window", "password": "window"})
    cookie = r.headers["Set-Cookie"].split(";")[0].split("=", 1)
    two.set_cookie(cookie[0], cookie[1])
    assert two.get("/api/v1/session").status_code == 200  # the same cookie, another process
    csrf = r.get_json()["csrf_token"]
    assert one.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code in (200, 204)
    assert two.get("/api/v1/session").status_code == 401


def test_large_budgets_are_counted_in_batches_and_still_shared(deployed, tokens):
    """100/60: each process sends its count every 2 requests; two processes together
    stop close to 100, never past 100 + one batch per other process."""
    one = make_app(deployed, TONGBAN_RATE_LIMIT="100/60").test_client()
    two = make_app(deployed, TONGBAN_RATE_LIMIT="100/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))
    h = {"Authorization": f"Bearer {tokens['auditor']}"}
    with counting(deployed) as seen:
        codes = [(one if i % 2 else two).get("/api/v1/matters", headers=h).status_code for i in range(140)]
    assert 100 <= codes.count(200) <= 102 and codes[-10:] == [429] * 10
    writes = [s for s in seen["statements"] if s.startswith("INSERT INTO rate_limit")]
    assert len(writes) <= 140 // 2 + 2
    with deployed.db.read() as s:
        assert s.execute(sa.text("SELECT hits FROM rate_limit WHERE bucket = 'user:auditor'")).scalar() >= 138


def test_complete_claims_an_unclaimed_task_and_lists_what_comes_next(deployed, as_, tokens):
    deployed.users.set_groups("police", ["公安局", WINDOW_GROUP])  # works both steps
    case = start_case(as_)
    police = as_("police")
    started = police("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT,
                                                    "data": {}})
    assert started.status_code == 201  # a window clerk takes it in (收件) and may work its first step at once
    assert [t["element_id"] for t in started.get_json()["next_tasks"]] == ["accept"]
    # The integrator's start lists nothing for it: it works no steps.
    assert case["next_tasks"] == []
    task = open_task(case)
    r = police("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "COMPLETED" and body["assignee"] == "police" and body["claimed_at"]
    [following] = body["next_tasks"]
    assert following["case_id"] == case["id"] and following["state"] == "READY" and following["element_id"] == "review"
    assert following["case"]["number"] == case["number"]
    trail = as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    [completed] = [e for e in trail if e.get("task") == task["id"] and e["type"] == "task_completed"]
    assert completed["actor"] == "police"
    # The window clerk's completion of the next step lists nothing they may work.
    window = as_("window")
    assert window("POST", f"/api/v1/tasks/{following['id']}/complete",
                  json={"data": {"decision": "approve"}}).status_code == 404  # not theirs: not even seen


def test_a_task_claimed_by_another_cannot_be_completed(deployed, as_):
    deployed.users.add("window2", "clerk", groups=[WINDOW_GROUP])
    other = type(as_("window"))(as_("window").client, deployed.users.issue_token("window2"))
    task = open_task(start_case(as_))
    assert other("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    r = as_("window")("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT})
    assert r.status_code in (403, 409)


def test_start_lists_the_tasks_the_starter_may_work(deployed, as_):
    case = start_case(as_, who="admin")
    assert [t["id"] for t in case["next_tasks"]] == [open_task(case)["id"]]
