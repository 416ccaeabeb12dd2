"""kill -9 of `tongban serve` during a burst of idempotent starts, then retries:
every key resolves to exactly one case, and the client learns it.

Before issue 6 a crash left reservations "in progress" for 24 hours, some of
them with a case the client could never learn."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import sqlalchemy as sa

from engine.models import Case

from ..conftest import ROOT
from .conftest import APPLICANT
from .test_guide import free_port

KEYS = 60
KILL_AFTER = 15          # answered requests before the kill: the rest are in flight or not sent
LEASE_SECONDS = "2"      # short in the test; a retry takes over a crashed holder's key after it


def serve(env, port):
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):  # readiness poll, not a timing assertion
        assert server.poll() is None, "tongban serve exited"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.1)
    raise AssertionError("tongban serve did not come up")


def start(base, token, key):
    """(status, body) of one idempotent start, or (None, None) if the connection broke."""
    body = json.dumps({"process": "no_criminal_record", "applicant": APPLICANT, "data": {}}).encode()
    request = urllib.request.Request(f"{base}/api/v1/cases", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (OSError, ValueError):  # reset, refused, truncated: the server died under us
        return None, None


def test_a_crash_during_idempotent_starts_loses_and_doubles_nothing(deployed, database_url):
    deployed.users.add("portal", "integrator")
    token = deployed.users.issue_token("portal")
    env = {**os.environ, "TONGBAN_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "TONGBAN_IDEMPOTENCY_LEASE_SECONDS": LEASE_SECONDS, "TONGBAN_RATE_LIMIT": "100000/60"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    keys = [f"crash-{i}" for i in range(KEYS)]

    server = serve(env, port)
    answered, lock, killed = [], threading.Lock(), threading.Event()

    def burst(my_keys):
        for key in my_keys:
            if killed.is_set():
                return
            status, _ = start(base, token, key)
            with lock:
                answered.append(status)
                if len(answered) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    os.kill(server.pid, signal.SIGKILL)   # mid-burst: other threads have requests in flight

    threads = [threading.Thread(target=burst, args=(keys[i::6],)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        server.wait(60)
        assert killed.is_set()

        server = serve(env, port)
        learned = {}
        for key in keys:
            for _ in range(200):  # retries until the key resolves; a crashed lease expires after LEASE_SECONDS
                status, body = start(base, token, key)
                if status == 201:
                    learned[key] = body["id"]
                    break
                assert status == 409 and body["error"] == "idempotency_in_progress", (status, body)
                time.sleep(0.2)
            assert key in learned, f"{key} never resolved"
        # Asking again replays the same case.
        for key in keys[:10]:
            status, body = start(base, token, key)
            assert status == 201 and body["id"] == learned[key]
    finally:
        server.kill()
        server.wait()

    with deployed.db.read() as s:
        case_ids = set(s.scalars(sa.select(Case.id)))
    assert len(set(learned.values())) == KEYS          # one case per key …
    assert case_ids == set(learned.values())           # … and no case the client does not know
