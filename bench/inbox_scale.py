"""Inbox latency as cases pile up, on PostgreSQL.

    .venv/bin/python bench/inbox_scale.py [--sizes 10000,100000,1000000]

Cases and their task rows are written in bulk with SQL (one in ten still open,
its task READY; the rest completed), spread over five lanes; then a window
clerk's inbox is read through the API (Flask's test client: the API and its
queries, without sockets): page 1, page 200 by page number, page 200 by cursor
(or the last full page of a smaller inbox),
20 times each. Printed: p50 and p95 in ms, and the ``total`` the inbox reported.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_approval import postgres_url  # noqa: E402

LANE = "综合受理窗口"
CASES = """
INSERT INTO "case" (number, definition_id, process_key, status, applicant_kind, applicant_id_number,
                    applicant_name, data, state, serializer_version, started_by, created_at, updated_at,
                    last_event_seq, row_version, paused_days, card)
SELECT 'BENCH' || g, :definition, 'no_criminal_record', CASE WHEN g % 10 = 0 THEN 'running' ELSE 'completed' END,
       'person', '11010519491231002X', '张三', '{}', '{}', :version, 'portal',
       now() - make_interval(secs => CAST(:top AS integer) - g), now(), 0, 1, 0, ''
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
"""
TASKS = """
INSERT INTO human_task (case_id, spiff_task_id, element_id, name, lane, state, created_at, kind, urge_count, card)
SELECT id, substr(md5(id::text), 1, 36), 'accept', '受理',
       CASE (id / 10) % 5 WHEN 0 THEN :lane ELSE '其他科室' || ((id / 10) % 5) END,
       CASE status WHEN 'running' THEN 'READY' ELSE 'COMPLETED' END, created_at, 'task', 0, ''
FROM "case" WHERE id > CAST(:after AS integer)
"""


def timed(client, path, headers, times=20):
    client.get(path, headers=headers)
    out = []
    for _ in range(times):
        start = time.perf_counter()
        r = client.get(path, headers=headers)
        out.append(1000 * (time.perf_counter() - start))
        assert r.status_code == 200, r.get_json()
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1], r.get_json()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.sizes.split(","))

    import sqlalchemy as sa

    from api import create_app
    from engine import Engine
    from engine.models import Case

    url, drop = postgres_url()
    try:
        engine = Engine(url)
        engine.migrate()
        engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"], deployed_by="bench")
        engine.users.add("window", "clerk", groups=[LANE])
        token = engine.users.issue_token("window")
        seed = engine.runtime.start("no_criminal_record", {"kind": "person", "id_number": "11010519491231002X",
                                                           "name": "张三"})
        with engine.db.read() as s:
            definition, version = s.execute(sa.select(Case.definition_id, Case.serializer_version)
                                            .where(Case.id == seed.id)).one()
        client = create_app(engine, {"TESTING": True, "TONGBAN_RATE_LIMIT": ""}).test_client()
        headers = {"Authorization": f"Bearer {token}"}
        print("window clerk's inbox (1 lane of 5; 1 case in 10 open), through the API, ms")
        print(f"{'cases':>9} {'open':>8} {'insert s':>9} {'p1 p50':>7} {'p1 p95':>7} {'p200 p50':>9} "
              f"{'p200 p95':>9} {'cursor p50':>10} {'cursor p95':>10} {'total':>7}")
        made = 1
        for size in sizes:
            start = time.perf_counter()
            with engine.db.engine.begin() as conn:
                after = conn.execute(sa.text('SELECT max(id) FROM "case"')).scalar()
                conn.execute(sa.text(CASES), {"definition": definition, "version": version, "first": made + 1,
                                              "last": size, "top": size})
                conn.execute(sa.text(TASKS), {"lane": LANE, "after": after})
            with engine.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql('ANALYZE "case"')
                conn.exec_driver_sql("ANALYZE human_task")
            made = size
            inserted = time.perf_counter() - start
            p1 = timed(client, "/api/v1/tasks?per_page=20", headers)
            deep = min(200, p1[2]["total"] // 20)  # page 200, or the last full page of a smaller inbox
            p200 = timed(client, f"/api/v1/tasks?per_page=20&page={deep}", headers)
            # the cursor of the page before's last row: walk there once, then time the read of that page
            cursor = None
            for _ in range(deep - 1):
                cursor = client.get("/api/v1/tasks?per_page=20" + (f"&cursor={cursor}" if cursor else ""),
                                    headers=headers).get_json()["next_cursor"]
            by_cursor = timed(client, f"/api/v1/tasks?per_page=20&cursor={cursor}", headers)
            assert [t["id"] for t in by_cursor[2]["items"]] == [t["id"] for t in p200[2]["items"]]
            print(f"{size:9d} {size // 10:8d} {inserted:9.1f} {p1[0]:7.1f} {p1[1]:7.1f} {p200[0]:9.1f} "
                  f"{p200[1]:9.1f} {by_cursor[0]:10.1f} {by_cursor[1]:10.1f} {p1[2]['total']:7d}", flush=True)
        engine.close()
    finally:
        drop()


if __name__ == "__main__":
    main()
