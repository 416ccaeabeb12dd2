"""Database faults: PostgreSQL backends terminated mid-request (pg_terminate_backend)
answer a retryable 503 in the one error shape, never leave a half-applied case,
and the app carries on by itself; a read-only SQLite file refuses writes clearly."""
import threading
import time

import pytest
import sqlalchemy as sa

from engine.models import Case, CaseEvent, HumanTask

from ..conftest import BACKEND, PG_SERVER
from .conftest import APPLICANT, Caller, make_app

HANG_GUARD = 300


def whole_cases(engine):
    """Every stored case is whole: started in its trail, an open task, a saved state."""
    with engine.db.read() as s:
        cases = s.scalars(sa.select(Case).options(sa.orm.undefer(Case.state))).all()
        for case in cases:
            types = s.scalars(sa.select(CaseEvent.type).where(CaseEvent.case_id == case.id)).all()
            tasks = s.scalars(sa.select(HumanTask.state).where(HumanTask.case_id == case.id)).all()
            assert "case_started" in types and "task_ready" in types, (case.id, types)
            assert tasks == ["READY"] and case.state and case.status == "running", case.id
        return {c.id for c in cases}


@pytest.mark.skipif(BACKEND != "postgresql", reason="terminates PostgreSQL backends")
def test_backends_terminated_during_a_burst(deployed, tokens, database_url, monkeypatch):
    # A request cut off before it could release its key leaves a reservation; short in the test.
    monkeypatch.setenv("TONGBAN_IDEMPOTENCY_LEASE_SECONDS", "1")
    app = make_app(deployed)
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    dbname = sa.engine.make_url(database_url).database
    outcomes, lock = {}, threading.Lock()
    killed = []

    def killer(stop):
        while not stop.is_set():
            with admin.connect() as conn:
                killed.append(conn.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": dbname}).scalar())
            time.sleep(0.02)

    def burst(keys):
        client = Caller(app.test_client(), tokens["portal"])
        for key in keys:
            r = client("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT},
                       headers={"Idempotency-Key": key})
            with lock:
                outcomes[key] = (r.status_code, r.get_json(), r.headers.get("Retry-After"))

    rounds = 0
    while not any(status == 503 for status, _, _ in outcomes.values()):   # until the fault was hit
        rounds += 1
        assert rounds <= 20, "no request was ever hit by a terminated backend"
        stop = threading.Event()
        k = threading.Thread(target=killer, args=(stop,))
        k.start()
        keys = [f"fault-{rounds}-{i}" for i in range(40)]
        workers = [threading.Thread(target=burst, args=(keys[i::4],)) for i in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(HANG_GUARD)
        stop.set()
        k.join(HANG_GUARD)
    admin.dispose()
    assert sum(killed) > 0

    for key, (status, body, retry_after) in outcomes.items():
        assert status in (201, 503), (key, status, body)
        if status == 503:
            assert set(body) == {"error", "message", "details"}
            assert body["error"] == "database_unavailable" and body["details"] == {"retryable": True}
            assert retry_after == "1"

    # The app carries on by itself: every key retried resolves to exactly one whole case.
    client = Caller(app.test_client(), tokens["portal"])
    learned = {}
    for key, (status, body, _) in outcomes.items():
        for _ in range(100):   # a reservation cut off mid-request is taken over once its lease ends
            r = client("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT},
                       headers={"Idempotency-Key": key})
            if r.status_code != 409:
                break
            assert r.get_json()["error"] == "idempotency_in_progress"
            time.sleep(0.2)
        assert r.status_code == 201, r.get_json()
        if status == 201:
            assert r.get_json()["id"] == body["id"]
        learned[key] = r.get_json()["id"]
    assert len(set(learned.values())) == len(outcomes)
    assert whole_cases(deployed) == set(learned.values())


@pytest.mark.skipif(BACKEND != "sqlite", reason="a read-only database file")
def test_a_read_only_sqlite_database_refuses_writes_clearly(deployed, tokens, database_url):
    from api import store
    from engine import Engine

    store.shared_secret(deployed)     # made while the database was writable, as `tongban serve` does
    before = whole_cases(deployed)
    path = sa.engine.make_url(database_url).database
    # mode=ro: what a read-only file or mount gives, also when the tests run as root.
    read_only = Engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        client = Caller(make_app(read_only).test_client(), tokens["portal"])
        assert client("GET", "/api/v1/cases").status_code == 200        # reading still works
        r = client("POST", "/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT})
        assert r.status_code == 503, r.get_json()
        assert r.get_json()["error"] == "database_read_only" and "只读" in r.get_json()["message"]
    finally:
        read_only.close()
    assert whole_cases(deployed) == before
