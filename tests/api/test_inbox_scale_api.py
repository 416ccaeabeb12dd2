"""The inbox at scale (issue #14): keyset paging beside page numbers, bounded counts,
and the partial indexes on open tasks that the inbox queries use (EXPLAIN, PostgreSQL)."""
import pytest
import sqlalchemy as sa

from engine.tasks import queries

from ..conftest import BACKEND
from .conftest import WINDOW_GROUP, start_case


def walk(caller, path, per_page):
    """Every page by cursor: the ids in order."""
    seen, cursor = [], None
    while True:
        url = f"{path}{'&' if '?' in path else '?'}per_page={per_page}" + (f"&cursor={cursor}" if cursor else "")
        body = caller("GET", url).get_json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, body["total"]


@pytest.mark.parametrize("sort", ["received", "-received", "urged"])
def test_cursor_pages_give_the_same_rows_as_page_numbers(deployed, as_, sort):
    for _ in range(7):
        start_case(as_)
    window = as_("window")
    tasks = window("GET", f"/api/v1/tasks?sort={sort}&per_page=100").get_json()["items"]
    if sort == "urged":  # some urged, to make the first sort key differ
        for task in tasks[2:4]:
            assert as_("admin")("POST", f"/api/v1/tasks/{task['id']}/urge", json={"message": "请加快"}).status_code == 200
        tasks = window("GET", f"/api/v1/tasks?sort={sort}&per_page=100").get_json()["items"]
    ids, total = walk(window, f"/api/v1/tasks?sort={sort}", 3)
    assert ids == [t["id"] for t in tasks] and total == 7
    numbered = [t["id"] for p in (1, 2, 3)
                for t in window("GET", f"/api/v1/tasks?sort={sort}&per_page=3&page={p}").get_json()["items"]]
    assert numbered == ids


def test_a_bad_cursor_is_a_clear_422(as_):
    start_case(as_)
    for cursor in ("nonsense!", "WzEsMiwzXQ", "eyJhIjoxfQ"):  # bad base64, wrong length, not a list
        r = as_("window")("GET", f"/api/v1/tasks?cursor={cursor}")
        assert r.status_code == 422, r.get_json()
        assert "cursor" in r.get_json()["message"]


def test_the_count_stops_at_its_limit(deployed, as_, monkeypatch):
    for _ in range(4):
        start_case(as_)
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    body = as_("window")("GET", "/api/v1/tasks?per_page=10").get_json()
    assert len(body["items"]) == 4 and body["total"] == 3  # a floor past the limit: "more than 2"


INBOX = {
    "whole inbox": ("SELECT id FROM human_task WHERE state = 'READY' ORDER BY created_at, id LIMIT 20",
                    "ix_human_task_ready"),
    "one lane": (f"SELECT id FROM human_task WHERE state = 'READY' AND lane = '{WINDOW_GROUP}' "
                 "ORDER BY created_at, id LIMIT 20", "ix_human_task_ready_lane"),
    "mine": ("SELECT id FROM human_task WHERE state = 'READY' AND assignee = 'window' "
             "ORDER BY created_at, id LIMIT 20", "ix_human_task_ready_assignee"),
    "after a cursor": ("SELECT id FROM human_task WHERE state = 'READY' AND (created_at, id) > "
                       "('2026-01-01', 5) ORDER BY created_at, id LIMIT 20", "ix_human_task_ready"),
    "cases by status": ("SELECT id FROM \"case\" WHERE status = 'running' ORDER BY id DESC LIMIT 20",
                        "ix_case_status_id"),
}


@pytest.mark.skipif(BACKEND != "postgresql", reason="EXPLAIN plans are checked on PostgreSQL")
@pytest.mark.parametrize("name", list(INBOX))
def test_inbox_queries_walk_their_partial_index_in_order(deployed, as_, name):
    """With sequential scans priced out (the test tables are tiny), each query reads its
    index in ORDER BY order: an index scan and no Sort node."""
    for _ in range(3):
        start_case(as_)
    sql, index = INBOX[name]
    with deployed.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    assert index in plan and "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.skipif(BACKEND != "postgresql", reason="EXPLAIN plans are checked on PostgreSQL")
def test_the_inbox_as_the_api_sends_it_uses_the_ready_index(deployed, as_):
    for _ in range(3):
        start_case(as_)
    from engine import Actor
    q = deployed.tasks.query().ready().workable_by(Actor("window", "clerk", frozenset([WINDOW_GROUP])))
    stmt = q._q.order_by(*q._ordering()).limit(20)
    compiled = stmt.compile(deployed.db.engine, compile_kwargs={"literal_binds": True})
    with deployed.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(sa.text("EXPLAIN " + str(compiled)).text))
    assert "ix_human_task_ready" in plan, plan
