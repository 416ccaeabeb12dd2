"""``GET /api/v1/cases/{id}`` alone, through the Flask test client (no sockets), on SQLite and
PostgreSQL: the median and p95 of many reads of one case page, and the statements it sends.

    .venv/bin/python bench/case_page.py [--reads N] [--no-postgres]

Two cases are read: a no_criminal_record case at its first task (nothing to wait for) and a
food_business_license case accepted with deficiencies (容缺受理), which waits for the supplement
and its deadline, so its page lists what it waits for.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from approval_flow import postgres_url  # noqa: E402

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
MATERIALS = ["食品经营许可申请书", "营业执照", "法定代表人（负责人）身份证明", "经营场所平面图",
             "设备布局和工艺流程图", "食品安全管理制度文本", "从业人员健康证明"]


def prepare(url):
    from engine import Actor, Engine

    engine = Engine(url)
    engine.db.migrate()
    engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"], deployed_by="bench")
    engine.users.add("admin", "admin")
    engine.users.add("portal", "integrator")
    portal = Actor("portal", "integrator")
    plain = engine.runtime.start("no_criminal_record", APPLICANT, {}, portal)
    food = engine.runtime.start("food_business_license", COMPANY, {}, portal)
    accept = next(t for t in engine.tasks.for_case(food.id) if t.element_id == "accept")
    materials = {m: "present" for m in MATERIALS}
    materials["从业人员健康证明"] = "missing"
    engine.tasks.complete(accept.id, Actor("admin", "admin"),
                          {"acceptance": "tolerate", "materials": materials, "supplement_due": 5})
    return engine, {"at a task": plain.id, "waiting": food.id}


def measure(engine, case_id, reads):
    from api import create_app

    app = create_app(engine, {"TESTING": True, "TONGBAN_RATE_LIMIT": ""})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {engine.users.issue_token('admin')}"}
    path = f"/api/v1/cases/{case_id}"
    for _ in range(20):  # warm: token, names, specs
        assert client.get(path, headers=headers).status_code == 200
    statements = []
    binds = {engine.db.engine, getattr(engine.db, "read_engine", engine.db.engine)}
    listen = lambda *a: statements.append(a[2])  # noqa: E731
    for bind in binds:
        sa.event.listen(bind, "before_cursor_execute", listen)
    client.get(path, headers=headers)
    for bind in binds:
        sa.event.remove(bind, "before_cursor_execute", listen)
    times = []
    for _ in range(reads):
        start = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(statements)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"{'database':11} {'case':10} {'p50 ms':>7} {'p95 ms':>7} {'statements':>10}")
    with tempfile.TemporaryDirectory() as folder:
        urls = [("SQLite", f"sqlite:///{folder}/bench.sqlite", lambda: None)]
        if not args.no_postgres:
            urls.append(("PostgreSQL", *postgres_url()))
        for name, url, drop in urls:
            engine, cases = prepare(url)
            try:
                for label, case_id in cases.items():
                    p50, p95, count = measure(engine, case_id, args.reads)
                    print(f"{name:11} {label:10} {p50:7.2f} {p95:7.2f} {count:10}", flush=True)
            finally:
                engine.close()
                drop()


if __name__ == "__main__":
    main()
