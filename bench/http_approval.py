"""Approvals over HTTP against a real `tongban serve`, next to raw SpiffWorkflow in the same run.

    .venv/bin/python bench/http_approval.py [--cases N] [--no-postgres]

Two diagrams drawn here (no matter of the catalogue): one user task, and four user
tasks in a row. A case over HTTP is what an integrating client does: ``POST
/cases`` (the portal's token), then for each task ``POST /tasks/{id}/complete``
by a clerk who never claimed it (complete claims it and answers with the next
task, so no inbox read is needed), then ``GET /cases/{id}``. The server runs in
its own process (waitress, 8 threads); 1 and 4 client threads each run cases
one after another over keep-alive connections.

Printed per database, diagram and client count: ms/case (wall time of one case,
mean), cases/s (all clients together), p50/p95 of a case, and the ratio of
ms/case to raw SpiffWorkflow running the same diagram in memory.
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from approval_flow import postgres_url  # noqa: E402  (a throwaway database, as the in-process bench makes)

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
FLOWS = {"bench_one_task": 1, "bench_four_tasks": 4}


def diagram(process_id, tasks):
    """A process of ``tasks`` user tasks in a row, outside any lane (every clerk may work them)."""
    nodes = ['<bpmn:startEvent id="start" name="申请"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    for i in range(tasks):
        nodes.append(f'<bpmn:userTask id="t{i}" name="审批{i + 1}"><bpmn:incoming>f{i}</bpmn:incoming>'
                     f'<bpmn:outgoing>f{i + 1}</bpmn:outgoing></bpmn:userTask>')
    nodes.append(f'<bpmn:endEvent id="end" name="办结"><bpmn:incoming>f{tasks}</bpmn:incoming></bpmn:endEvent>')
    refs = ["start", *(f"t{i}" for i in range(tasks)), "end"]
    flows = [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in
             enumerate(zip(refs, refs[1:]))]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            f'id="Defs_{process_id}" targetNamespace="http://tongban.example/bench">'
            f'<bpmn:process id="{process_id}" name="基准审批" isExecutable="true">'
            + "".join(nodes + flows) + "</bpmn:process></bpmn:definitions>")


def write_diagrams(folder):
    for key, tasks in FLOWS.items():
        (Path(folder) / f"{key}.bpmn").write_text(diagram(key, tasks), encoding="utf-8")


# ---- raw SpiffWorkflow: the floor ------------------------------------------------------

def raw_ms_per_case(folder, key, cases):
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(Path(folder) / f"{key}.bpmn"))
    spec, subs = parser.get_spec(key), parser.get_subprocess_specs(key)

    def one():
        wf = BpmnWorkflow(spec, subs)
        wf.get_tasks(state=TaskState.READY)[0].data.update({"applicant": APPLICANT})
        wf.do_engine_steps()
        while not wf.is_completed():
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update({"opinion": "同意"})
            task.run()
            wf.do_engine_steps()
    for _ in range(20):
        one()
    start = time.perf_counter()
    for _ in range(cases):
        one()
    return 1000 * (time.perf_counter() - start) / cases


# ---- the server --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url, folder, clients):
    """Migrate, deploy the two diagrams, make the portal and one clerk per client; their tokens."""
    from engine import Engine

    engine = Engine(url)
    engine.migrate()
    engine.repository.deploy_paths([Path(folder)], deployed_by="bench")
    engine.users.add("portal", "integrator")
    tokens = {"portal": engine.users.issue_token("portal")}
    for i in range(clients):
        engine.users.add(f"clerk{i}", "clerk", groups=["审批科"])
        tokens[f"clerk{i}"] = engine.users.issue_token(f"clerk{i}")
    engine.close()
    return tokens


class Server:
    """``tongban serve``, or with ``floor`` the bare stack (bench/floor_server.py) on the same database."""

    def __init__(self, url, floor=None):
        self.port = free_port()
        env = {**os.environ, "TONGBAN_DATABASE_URL": url, "TONGBAN_RATE_LIMIT": "1000000/60",
               "TONGBAN_SECRET_KEY": "bench"}
        env["PYTHONPATH"] = str(ROOT)  # this tree's code, wherever the interpreter is installed from
        command = ([sys.executable, str(ROOT / "bench" / "floor_server.py"), "--database", url, "--diagrams", floor]
                   if floor else [sys.executable, "-m", "api.cli", "serve"])
        self.proc = subprocess.Popen([*command, "--port", str(self.port)], cwd=ROOT,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("tongban serve did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle + delayed-ACK stalls
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def __call__(self, method, path, body=None, token=None):
        headers = dict(self.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
        return json.loads(data)


def one_case(client, portal, key):
    case = client("POST", "/api/v1/cases", {"process": key, "applicant": APPLICANT, "data": {}}, token=portal)
    task = next(t for t in case["tasks"] if t["state"] == "READY")
    while task is not None:
        done = client("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": {"opinion": "同意"}})
        if "next_tasks" not in done:  # a server before issue #14: one inbox read more per step
            done["next_tasks"] = client("GET", f"/api/v1/tasks?case_id={case['id']}")["items"]
        task = done["next_tasks"][0] if done["next_tasks"] else None
    assert client("GET", f"/api/v1/cases/{case['id']}")["status"] == "completed"


def run_http(port, tokens, key, clients, cases_each):
    latencies, errors = [], []

    def work(i):
        client = Client(port, tokens[f"clerk{i}"])
        one_case(client, tokens["portal"], key)  # warm this connection and the server's caches
        for _ in range(cases_each):
            start = time.perf_counter()
            try:
                one_case(client, tokens["portal"], key)
            except Exception as exc:  # noqa: BLE001  reported below
                errors.append(exc)
                return
            latencies.append(1000 * (time.perf_counter() - start))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    latencies.sort()
    return {"ms_case": statistics.mean(latencies), "per_s": len(latencies) / wall,
            "p50": latencies[len(latencies) // 2], "p95": latencies[int(len(latencies) * 0.95) - 1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=60, help="cases per client and configuration")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "diagrams"
        folder.mkdir()
        write_diagrams(folder)
        raw = {key: raw_ms_per_case(folder, key, 500) for key in FLOWS}
        databases = [("SQLite", f"sqlite:///{tmp}/bench.sqlite", None)]
        if not args.no_postgres:
            databases.append(("PostgreSQL", *postgres_url()))
        print(f"HTTP approvals: start + complete each task (claimed by complete) + read; "
              f"{args.cases} cases per client; waitress, 8 threads. server 'floor' = Flask + waitress + "
              f"SpiffWorkflow JSON in one row, nothing else (bench/floor_server.py)")
        print(f"{'database':11} {'server':8} {'flow':9} {'raw ms':>7} {'clients':>7} {'ms/case':>8} {'cases/s':>8} "
              f"{'p50':>7} {'p95':>7} {'x raw':>6}")
        for label, url, drop in databases:
            try:
                tokens = prepare(url, folder, 4)
                for kind in ("floor", "tongban"):
                    server = Server(url, floor=str(folder) if kind == "floor" else None)
                    try:
                        for key, tasks in FLOWS.items():
                            for clients in (1, 4):
                                r = run_http(server.port, tokens, key, clients, args.cases)
                                print(f"{label:11} {kind:8} {f'{tasks} task' + ('s' if tasks > 1 else ''):9} "
                                      f"{raw[key]:7.2f} {clients:7d} {r['ms_case']:8.1f} {r['per_s']:8.1f} "
                                      f"{r['p50']:7.1f} {r['p95']:7.1f} {r['ms_case'] / raw[key]:6.1f}", flush=True)
                    finally:
                        server.stop()
            finally:
                if drop:
                    drop()


if __name__ == "__main__":
    main()
