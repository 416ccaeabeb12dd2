"""A day of a provincial platform, compressed: arrivals, clerks and timers against PostgreSQL.

    .venv/bin/python bench/load_sim.py [--cases 400] [--day-seconds 120] [--serve 2] [--workers 1]
                                       [--clerks 12] [--think 0.2] [--notice 10] [--drain 40]

Several ``tongban serve`` processes and ``tongban worker`` processes run on a fresh
PostgreSQL database. A matter drawn here: 受理 → 审查 → 决定 → 公示 (a timer of
``--notice`` seconds) → 出件. Over ``--day-seconds`` the portal starts ``--cases``
cases along a day's arrival curve (20 % of them in the 9:00 hour, as the provincial
platform of docs/scale.md), spread round-robin over the serve processes; applicants
look their case up in the public progress query; ``--clerks`` clerks, to whom the
portal assigns each step of a case (分派), each read their inbox, sometimes open the case, complete a task and think ``--think`` seconds. Timers
are fired by the workers (and by every serve process's poller). After the day, the
clerks go on until every case is done or ``--drain`` seconds pass.

Printed: per simulated hour the arrivals, backlog (open tasks, arrivals not yet sent,
due timers), p95 latencies and what each tier used (CPU of serve, worker and the
database's backends from /proc, connections and lock waits from pg_stat_activity and
pg_locks); then latency percentiles per request type, timer lateness, and which
resource was nearest its limit while the backlog grew. The machine is shared: its
whole CPU use is printed too.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from approval_flow import postgres_url  # noqa: E402
from http_approval import APPLICANT, Client, free_port  # noqa: E402

# Share of a day's arrivals per hour (percent, sums to 100): online at night, the counter's 9:00 peak.
DAY = [0.5] * 7 + [2, 10, 20, 14, 9, 3.5, 5, 9, 8, 6, 3, 2, 1.5, 1.5, 1, 0.5, 0.5]
STEPS = [("accept", "受理"), ("review", "审查"), ("decide", "决定")]
ISSUE = [("issue", "出件")]
TICK = 0.5  # seconds between samples of the database and /proc
HZ = os.sysconf("SC_CLK_TCK")


def diagram(notice):
    tasks = [*STEPS, ("notice", None), *ISSUE]
    nodes = ['<bpmn:startEvent id="start" name="申请"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    for i, (element, name) in enumerate(tasks):
        inner = f"<bpmn:incoming>f{i}</bpmn:incoming><bpmn:outgoing>f{i + 1}</bpmn:outgoing>"
        if name:
            nodes.append(f'<bpmn:userTask id="{element}" name="{name}" camunda:assignee="${{{element}_by}}">'
                         f'{inner}</bpmn:userTask>')
        else:
            nodes.append(f'<bpmn:intermediateCatchEvent id="{element}" name="公示期">{inner}<bpmn:timerEventDefinition>'
                         f'<bpmn:timeDuration>PT{notice}S</bpmn:timeDuration></bpmn:timerEventDefinition>'
                         '</bpmn:intermediateCatchEvent>')
    nodes.append(f'<bpmn:endEvent id="end" name="办结"><bpmn:incoming>f{len(tasks)}</bpmn:incoming></bpmn:endEvent>')
    refs = ["start", *(t for t, _ in tasks), "end"]
    flows = [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(zip(refs, refs[1:]))]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_sim" targetNamespace="http://tongban.example/bench"><bpmn:process id="bench_sim" name="模拟事项" '
            'isExecutable="true">' + "".join(nodes + flows) + "</bpmn:process></bpmn:definitions>")


def arrivals(cases, day_seconds, seed=14):
    """Offsets (seconds into the compressed day) at which the portal starts each case."""
    rnd, hour, out = random.Random(seed), day_seconds / 24, []
    counts = [round(cases * share / 100) for share in DAY]
    for h, count in enumerate(counts):
        out += [h * hour + rnd.random() * hour for _ in range(count)]
    return sorted(out)


# ---- measuring ---------------------------------------------------------------------------

def cpu_seconds(pid):
    """User + system CPU seconds of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)  # busy, total (idle and iowait excluded)


class Recorder:
    """Request latencies by type and simulated hour; thread-safe appends."""

    def __init__(self, hour_seconds):
        self.began, self.hour_seconds = None, hour_seconds
        self.rows, self.lock = [], threading.Lock()

    def hour(self, at=None):
        return int(((at or time.time()) - self.began) // self.hour_seconds)

    def add(self, kind, ms, status, at):
        with self.lock:
            self.rows.append((kind, ms, status, self.hour(at)))


def call(client, rec, kind, method, path, body=None, token=None):
    """One request, timed; returns (status, parsed body or None)."""
    import json

    headers = dict(client.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    began = time.time()
    client.conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    r = client.conn.getresponse()
    data = r.read()
    rec.add(kind, 1000 * (time.time() - began), r.status, began)
    return r.status, (json.loads(data) if data and r.status < 300 else None)


# ---- the simulation ------------------------------------------------------------------------

def prepare(url, notice, clerks):
    from engine import Engine

    engine = Engine(url)
    engine.migrate()
    engine.repository.deploy([("bench_sim.bpmn", diagram(notice))], deployed_by="bench")
    engine.users.add("portal", "integrator")
    tokens = {"portal": engine.users.issue_token("portal")}
    for i in range(clerks):
        engine.users.add(f"clerk{i}", "clerk", groups=["审批科"])
        tokens[f"clerk{i}"] = engine.users.issue_token(f"clerk{i}")
    engine.close()
    return tokens


def spawn(url, command, port=None):
    env = {**os.environ, "TONGBAN_DATABASE_URL": url, "TONGBAN_RATE_LIMIT": "1000000/60",
           "TONGBAN_ANON_RATE_LIMIT": "1000000/60", "TONGBAN_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "api.cli", command] + (["--port", str(port)] if port else [])
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(port):
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tongban serve did not start")


class Simulation:
    def __init__(self, args, url, tokens, ports):
        self.args, self.url, self.tokens, self.ports = args, url, tokens, ports
        self.rec = Recorder(args.day_seconds / 24)
        self.schedule = arrivals(args.cases, args.day_seconds)
        self.sent = 0            # arrivals handed to the portal's connections
        self.started = []        # (case number) of started cases, for the progress query
        self.stop = threading.Event()
        self.lock = threading.Lock()

    # the portal: a pool of connections sending starts on schedule
    def portal(self, i):
        client = Client(self.ports[i % len(self.ports)], self.tokens["portal"])
        rnd = random.Random(i)
        while not self.stop.is_set():
            with self.lock:
                if self.sent >= len(self.schedule):
                    return
                due, self.sent = self.schedule[self.sent], self.sent + 1
            delay = self.rec.began + due - time.time()
            if delay > 0:
                time.sleep(delay)
            # The window's distribution rule (分派): each step of the case goes to a clerk drawn here.
            who = {f"{element}_by": f"clerk{rnd.randrange(self.args.clerks)}" for element, _ in STEPS + ISSUE}
            status, body = call(client, self.rec, "start", "POST", "/api/v1/cases",
                                {"process": "bench_sim", "applicant": APPLICANT, "data": who})
            if body:
                with self.lock:
                    self.started.append(body["number"])
            if self.started and rnd.random() < 0.5:  # an applicant looks a case up
                number = rnd.choice(self.started)
                call(client, self.rec, "progress", "GET",
                     f"/api/v1/public/progress?number={number}&id_number={APPLICANT['id_number']}")

    def clerk(self, i):
        client = Client(self.ports[i % len(self.ports)], self.tokens[f"clerk{i}"])
        rnd = random.Random(1000 + i)
        while not self.stop.is_set():
            status, inbox = call(client, self.rec, "inbox", "GET", "/api/v1/tasks?per_page=20")
            items = (inbox or {}).get("items") or []
            if not items:  # nothing assigned: look again a little later
                self.stop.wait(5 * self.args.think)
                continue
            task = items[0]  # the oldest of the tasks assigned to this clerk
            if rnd.random() < 0.3:
                call(client, self.rec, "case", "GET", f"/api/v1/cases/{task['case_id']}")
            call(client, self.rec, "complete", "POST", f"/api/v1/tasks/{task['id']}/complete",
                 {"data": {"opinion": "同意"}})
            self.stop.wait(self.args.think * rnd.uniform(0.5, 1.5))

    def run(self, pids):
        threads = [threading.Thread(target=self.portal, args=(i,), daemon=True) for i in range(self.args.portal)]
        threads += [threading.Thread(target=self.clerk, args=(i,), daemon=True) for i in range(self.args.clerks)]
        monitor = Monitor(self, pids)
        self.rec.began = time.time()
        for t in threads + [monitor]:
            t.start()
        end_of_day = self.rec.began + self.args.day_seconds
        while time.time() < end_of_day + self.args.drain:
            time.sleep(TICK)
            if time.time() > end_of_day and self.sent >= len(self.schedule) and monitor.idle():
                break
        self.stop.set()
        for t in threads:
            t.join(30)
        monitor.join()
        return monitor


class Monitor(threading.Thread):
    """Samples backlog, CPU, connections and lock waits every TICK seconds."""

    def __init__(self, sim, pids):
        super().__init__(daemon=True)
        self.sim, self.pids, self.samples = sim, pids, []

    def idle(self):
        return bool(self.samples) and self.samples[-1]["open"] == 0 and self.samples[-1]["running"] == 0

    def run(self):
        import sqlalchemy as sa

        from engine import Engine

        engine = Engine(self.sim.url)
        db = engine.db.engine.url.database
        own = [os.getpid()]
        last = None
        with engine.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.sim.stop.is_set():
                now = engine.clock.now()
                row = conn.execute(sa.text(
                    "SELECT (SELECT count(*) FROM human_task WHERE state = 'READY'),"
                    " (SELECT count(*) FROM \"case\" WHERE status = 'running'),"
                    " (SELECT count(*) FROM job WHERE due_at <= :now)"), {"now": now}).one()
                activity = conn.execute(sa.text(
                    "SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"),
                    {"db": db}).all()
                blocked = conn.execute(sa.text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE d.datname = :db AND NOT l.granted"), {"db": db}).scalar()
                cpu = {"serve": sum(cpu_seconds(p) for p in self.pids["serve"]),
                       "worker": sum(cpu_seconds(p) for p in self.pids["worker"]),
                       "postgres": sum(cpu_seconds(a.pid) for a in activity),
                       "clients": sum(cpu_seconds(p) for p in own)}
                busy, total = machine_busy()
                sample = {"at": time.time(), "open": row[0], "running": row[1], "due": row[2],
                          "waiting_arrivals": sum(1 for d in self.sim.schedule[self.sim.sent:]
                                                  if self.sim.rec.began + d < time.time()),
                          "connections": len(activity),
                          "active": sum(1 for a in activity if a.state == "active" and a.wait_event_type != "Client"),
                          "lock_waits": sum(1 for a in activity if a.wait_event_type == "Lock"),
                          "lwlock_io_waits": sum(1 for a in activity if a.wait_event_type in ("LWLock", "IO")),
                          "blocked_locks": blocked}
                if last is not None:
                    span = sample["at"] - last["at"]
                    for k, v in cpu.items():  # per cent of one core
                        sample[f"cpu_{k}"] = 100 * max(0.0, v - last["cpu"][k]) / span
                    sample["cpu_machine"] = 100 * (busy - last["busy"]) / max(1, total - last["total"])
                sample.update(cpu=cpu, busy=busy, total=total)
                self.samples.append(sample)
                last = sample
                self.sim.stop.wait(TICK)
            self.max_connections = int(conn.execute(sa.text("SHOW max_connections")).scalar())
            self.timer_lateness = [float(s) for s, in conn.execute(sa.text(
                "SELECT extract(epoch FROM f.at - d.at) - :notice FROM case_event f JOIN case_event d "
                "ON d.case_id = f.case_id AND d.type = 'task_completed' AND d.element_id = 'decide' "
                "WHERE f.type = 'timer_fired'"), {"notice": self.sim.args.notice})]
        engine.close()


# ---- the report ------------------------------------------------------------------------------

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def report(sim, monitor, args, cores):
    rec, samples = sim.rec, [s for s in monitor.samples if "cpu_serve" in s]
    hours = max(24, max((r[3] for r in rec.rows), default=0) + 1)
    print(f"\n{args.cases} cases over a {args.day_seconds:g} s day ({args.day_seconds / 24:.1f} s an hour); "
          f"{args.serve} serve + {args.workers} worker processes, {args.clerks} clerks (think {args.think:g} s), "
          f"{cores} cores; CPU in % of one core")
    print(f"{'hour':>5} {'arrive':>6} {'req/s':>5} {'compl':>5} {'open':>5} {'queued':>6} {'due':>4} {'p95 start':>9} "
          f"{'p95 compl':>9} {'p95 inbox':>9} {'serve%':>6} {'work%':>5} {'pg%':>5} {'mach%':>5} {'conn':>4} "
          f"{'active':>6} {'lockw':>5}")
    hour_len = rec.hour_seconds
    for h in range(hours):
        lo, hi = rec.began + h * hour_len, rec.began + (h + 1) * hour_len
        hs = [s for s in samples if lo <= s["at"] < hi]
        if not hs:
            continue
        rows = [r for r in rec.rows if r[3] == h]
        by = {k: [r[1] for r in rows if r[0] == k and r[2] < 300] for k in ("start", "complete", "inbox")}
        label = f"{h % 24:02d}:00" if h < 24 else f"+{h - 23}h"
        mean = lambda k: statistics.mean(s[k] for s in hs)  # noqa: E731
        print(f"{label:>5} {sum(1 for d in sim.schedule if lo <= rec.began + d < hi):6d} {len(rows) / hour_len:5.1f} "
              f"{len(by['complete']):5d} "
              f"{hs[-1]['open']:5d} {hs[-1]['waiting_arrivals']:6d} {hs[-1]['due']:4d} {pct(by['start'], .95):9.0f} "
              f"{pct(by['complete'], .95):9.0f} {pct(by['inbox'], .95):9.0f} {mean('cpu_serve'):6.0f} "
              f"{mean('cpu_worker'):5.0f} {mean('cpu_postgres'):5.0f} {mean('cpu_machine'):5.0f} "
              f"{max(s['connections'] for s in hs):4d} {max(s['active'] for s in hs):6d} {max(s['lock_waits'] for s in hs):5d}")

    print(f"\n{'request':9} {'n':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'409':>4} {'other 4xx':>9} {'5xx':>4}")
    for kind in ("start", "inbox", "case", "complete", "progress"):
        rows = [r for r in rec.rows if r[0] == kind]
        ok = [r[1] for r in rows if r[2] < 300]
        print(f"{kind:9} {len(rows):6d} {pct(ok, .5):7.0f} {pct(ok, .95):7.0f} {pct(ok, .99):7.0f} "
              f"{max(ok, default=float('nan')):7.0f} {sum(1 for r in rows if r[2] == 409):4d} "
              f"{sum(1 for r in rows if 400 <= r[2] < 500 and r[2] != 409):9d} {sum(1 for r in rows if r[2] >= 500):4d}")
    late = monitor.timer_lateness
    if late:
        print(f"timers: {len(late)} fired, late by p50 {pct(late, .5):.1f} s, p95 {pct(late, .95):.1f} s, "
              f"max {max(late):.1f} s (poll every 0.5 s)")
    done = sum(1 for s in [samples[-1]] if s["running"] == 0) if samples else 0
    print(f"at the end: {samples[-1]['running'] if samples else '?'} cases running, "
          f"{samples[-1]['open'] if samples else '?'} open tasks" + (" (all done)" if done else ""))

    # What saturates first: each resource's use against its limit while the backlog was growing.
    growing = [b for a, b in zip(samples, samples[1:]) if b["open"] + b["waiting_arrivals"] > a["open"] + a["waiting_arrivals"]]
    window = growing or samples
    mean = lambda k: statistics.mean(s[k] for s in window)  # noqa: E731
    use = {
        "machine CPU (all tenants)": mean("cpu_machine") / 100,
        f"serve processes' CPU ({args.serve} × 1 core, the GIL)": mean("cpu_serve") / (100 * args.serve),
        "PostgreSQL backends' CPU (of the cores)": mean("cpu_postgres") / (100 * cores),
        "database connections (of max_connections)": max(s["connections"] for s in window) / monitor.max_connections,
        "backends waiting on a lock (of active ones)":
            sum(s["lock_waits"] for s in window) / max(1, sum(s["active"] for s in window)),
    }
    print(f"\nwhile the backlog grew ({len(window)} of {len(samples)} samples), use of each resource:")
    for name, value in sorted(use.items(), key=lambda kv: -kv[1]):
        print(f"  {100 * value:5.0f} %  {name}")
    clerk_ms = sum(r[1] for r in rec.rows if r[0] in ("inbox", "case", "complete"))
    clerk_s = args.clerks * (samples[-1]["at"] - rec.began)
    print(f"  (clerks spent {100 * clerk_ms / 1000 / clerk_s:.0f} % of their time waiting for answers, the rest thinking)")
    load_gen = mean("cpu_clients")
    print(f"  (this script's own clients used {load_gen:.0f} % of one core; worker processes {mean('cpu_worker'):.0f} %)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=400, help="cases arriving in the day")
    ap.add_argument("--day-seconds", type=float, default=120, help="length of the compressed day")
    ap.add_argument("--serve", type=int, default=2, help="tongban serve processes")
    ap.add_argument("--workers", type=int, default=1, help="tongban worker processes")
    ap.add_argument("--clerks", type=int, default=12)
    ap.add_argument("--think", type=float, default=0.2, help="seconds a clerk spends between tasks")
    ap.add_argument("--portal", type=int, default=8, help="portal connections sending starts")
    ap.add_argument("--notice", type=int, default=10, help="seconds of the 公示 timer")
    ap.add_argument("--drain", type=float, default=40, help="seconds after the day for the backlog to clear")
    args = ap.parse_args()

    url, drop = postgres_url()
    procs = []
    try:
        tokens = prepare(url, args.notice, args.clerks)
        ports = [free_port() for _ in range(args.serve)]
        serve = [spawn(url, "serve", port) for port in ports]
        workers = [spawn(url, "worker") for _ in range(args.workers)]
        procs = serve + workers
        for port in ports:
            wait_for(port)
        sim = Simulation(args, url, tokens, ports)
        monitor = sim.run({"serve": [p.pid for p in serve], "worker": [p.pid for p in workers]})
        report(sim, monitor, args, os.cpu_count())
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        drop()


if __name__ == "__main__":
    main()
