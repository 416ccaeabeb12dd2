"""Issue 6: no diagram, request or crash can freeze, bloat or corrupt the service.

Each hostile case runs in a thread against the real app while a bystander
starts an ordinary case: the hostile request is refused with a 4xx in the one
error shape, the bystander is answered, and nothing of the hostile case is
stored.
"""
import threading
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa

from engine.models import Case, Incident

from .conftest import APPLICANT, Caller, start_case

HANG_GUARD = 120  # seconds: only to turn a hang into a failure, never a speed goal


def flow(pid, script="x = 1", condition="True", boundary=""):
    """start → script → gateway (condition) → user task (optional boundary) → end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{pid}" targetNamespace="t">
  <bpmn:process id="{pid}" name="健壮性 {pid}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="x" name="脚本"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="g" name="判断" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="a" name="受理"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    {boundary}
    <bpmn:endEvent id="e"><bpmn:incoming>f4</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>
    <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="g"/>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="a">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="e"/>
    <bpmn:sequenceFlow id="f5" sourceRef="a" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def loop(pid, script):
    """start → script → gateway that always goes back to the script: runs until a cap stops it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{pid}" targetNamespace="t">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="a" name="受理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="x" name="循环脚本"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="g" default="f5"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="e"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="x"/>
    <bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="g"/>
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="x">
      <bpmn:conditionExpression>True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="g" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def cycle_boundary(expression):
    return ('<bpmn:boundaryEvent id="t" name="催办" attachedToRef="a" cancelActivity="false">'
            '<bpmn:timerEventDefinition>'
            f'<bpmn:timeCycle>{escape(expression)}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>')


def deploy(as_, name, source):
    return as_("analyst")("POST", "/api/v1/definitions", data={"file": (_io(source), f"{name}.bpmn")},
                          content_type="multipart/form-data")


def _io(text):
    import io
    return io.BytesIO(text.encode("utf-8"))


def case_count(engine):
    with engine.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Case))


def while_answering(app, tokens, hostile):
    """Run ``hostile()`` in a thread while a bystander starts an ordinary case; return both responses.

    Each thread has its own test client (Flask's is not shared between threads)."""
    out = {}

    def run():
        out["hostile"] = hostile()

    thread = threading.Thread(target=run)
    thread.start()
    bystander = Caller(app.test_client(), tokens["hotline"])
    out["bystander"] = bystander("POST", "/api/v1/cases", json={
        "process": "no_criminal_record", "applicant": APPLICANT, "data": {}})
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the hostile request never finished"
    assert out["bystander"].status_code == 201, out["bystander"].get_json()
    return out["hostile"]


# The table of issue 6: expressions that used to freeze the server or take gigabytes.
FREEZING = [
    ("pow3", "x = 1", "pow(10**6000 + 7, 10**6000, 10**6000 + 9) > 0"),
    ("max60", "\n".join(["x = max(range(9999999))"] * 60), "True"),
    ("bytesmul", "x = len('a'.encode() * (3*10**9))", "True"),
    ("bytesljust", "x = len('a'.encode().ljust(3*10**9))", "True"),
    ("pctwidth", "x = len('%(a)2000000000d' % {'a': 1})", "True"),
    # Each line alone fits the budgets (a range of 999 999 is allowed); together they exceed the work budget.
    ("max60ok", "\n".join(["x = max(range(999999))"] * 60), "True"),
    ("lists12", "\n".join(["x = len(list(range(999999)))"] * 12), "True"),
    ("fromkeys", "\n".join(["x = len(dict.fromkeys(range(999999)))"] * 12), "True"),
    ("inrange", "\n".join(["x = 'a' in range(999999)"] * 60), "True"),
    ("compare", "l = list(range(999999))\n" + "\n".join(["x = l == l"] * 60), "True"),
    ("sorted", "x = len(sorted(range(999999)))", "True"),
]


@pytest.mark.parametrize("pid, script, condition", FREEZING, ids=[f[0] for f in FREEZING])
def test_expensive_expression_is_refused_while_the_server_answers(app, tokens, as_, deployed, pid, script, condition):
    assert deploy(as_, pid, flow(pid, script, condition)).status_code == 201
    before = case_count(deployed)
    portal = Caller(app.test_client(), tokens["portal"])
    r = while_answering(app, tokens, lambda: portal("POST", "/api/v1/cases", json={
        "process": pid, "applicant": APPLICANT, "data": {}}))
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["error"] == "script_error" and body["details"]["error"] == "ScriptBudgetExceeded"
    assert "脚本超出资源限制" in body["message"]
    assert case_count(deployed) == before + 1   # the bystander's case only


NOT_JSON = [
    ("gen", "g = (x for x in [1])", "g", "generator"),
    ("aset", "s = {1, 2}", "s", "集合"),
    ("bytes", "b = 'x'.encode()", "b", "字节串"),
    ("delta", "t = timedelta(days=1)", "t", "timedelta"),
    ("bigint", "n = 10**5000", "n", "2^53"),
    ("surrogate", "u = chr(0xd800)", "u", "代理字符"),
    ("nan", "f = float('nan')", "f", "有限"),
]


@pytest.mark.parametrize("pid, script, variable, words", NOT_JSON, ids=[n[0] for n in NOT_JSON])
def test_a_value_that_is_not_json_is_named_and_refused(app, tokens, as_, deployed, pid, script, variable, words):
    assert deploy(as_, pid, flow(pid, script)).status_code == 201
    before = case_count(deployed)
    portal = Caller(app.test_client(), tokens["portal"])
    r = while_answering(app, tokens, lambda: portal("POST", "/api/v1/cases", json={
        "process": pid, "applicant": APPLICANT, "data": {}}))
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["details"]["variable"] == variable
    assert variable in body["message"] and words in body["message"]
    assert case_count(deployed) == before + 1


def test_a_runaway_loop_stops_at_the_wall_clock_cap_and_leaves_the_case_as_it_was(
        app, tokens, as_, deployed, monkeypatch):
    monkeypatch.setenv("TONGBAN_STEP_SECONDS", "0.5")
    # Each pass does real work within every per-expression budget; only the unit-of-work cap can stop it.
    assert deploy(as_, "spin", loop("spin", "x = len(sorted(range(100000)))")).status_code == 201
    case = start_case(as_, process="spin")
    task = case["tasks"][0]
    assert as_("admin")("POST", f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    before = as_("admin")("GET", f"/api/v1/cases/{case['id']}").get_json()
    trail_before = as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()

    admin = Caller(app.test_client(), tokens["admin"])
    r = while_answering(app, tokens, lambda: admin("POST", f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}))
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["error"] == "step_limit_exceeded" and body["details"]["reason"] == "time"
    assert "办件保持原状" in body["message"]

    after = as_("admin")("GET", f"/api/v1/cases/{case['id']}").get_json()
    assert after == before
    assert as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_json() == trail_before

    incidents = as_("admin")("GET", "/api/v1/incidents").get_json()
    assert incidents["total"] == 1
    incident = incidents["items"][0]
    assert incident["kind"] == "step_limit_exceeded" and incident["case_id"] == case["id"]
    assert incident["process_key"] == "spin" and incident["actor"] == "admin"
    assert incident["operation"] == "CompleteTask" and incident["details"]["reason"] == "time"
    assert as_("window")("GET", "/api/v1/incidents").status_code == 403


def test_a_runaway_start_is_recorded_although_no_case_exists(as_, deployed, monkeypatch):
    monkeypatch.setenv("TONGBAN_STEP_SECONDS", "0.5")
    source = loop("spin_start", "x = len(sorted(range(100000)))").replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>', '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>')
    source = source.replace('<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>',
                            '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>').replace(
        '<bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>',
        '<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>')
    assert deploy(as_, "spin_start", source).status_code == 201
    before = case_count(deployed)
    r = as_("portal")("POST", "/api/v1/cases", json={"process": "spin_start", "applicant": APPLICANT})
    assert r.status_code == 422 and r.get_json()["error"] == "step_limit_exceeded"
    assert case_count(deployed) == before
    with deployed.db.read() as s:
        incident = s.scalars(sa.select(Incident)).one()
    assert incident.case_id is None and incident.process_key == "spin_start" and incident.operation == "StartCase"


@pytest.mark.parametrize("cycle", ["R/PT0S", "R5/PT1S", "R/PT59S"])
def test_a_tiny_cycle_timer_is_refused_at_deployment(as_, cycle):
    r = deploy(as_, "tiny", flow("tiny", boundary=cycle_boundary(cycle)))
    assert r.status_code == 422, r.get_json()
    assert "周期不能短于 60 秒" in r.get_json()["message"]


def test_a_minute_cycle_timer_deploys(as_):
    assert deploy(as_, "minute", flow("minute", boundary=cycle_boundary("R3/PT1M"))).status_code == 201


def test_a_tiny_cycle_from_an_expression_is_refused_when_it_runs(app, tokens, as_, deployed):
    assert deploy(as_, "tinyexpr", flow("tinyexpr", boundary=cycle_boundary("'R/' + 'PT0S'"))).status_code == 201
    before = case_count(deployed)
    portal = Caller(app.test_client(), tokens["portal"])
    r = while_answering(app, tokens, lambda: portal("POST", "/api/v1/cases", json={
        "process": "tinyexpr", "applicant": APPLICANT, "data": {}}))
    assert r.status_code == 422, r.get_json()
    assert "周期不能短于 60 秒" in r.get_json()["message"]
    assert case_count(deployed) == before + 1


# ---- odd requests: a 4xx in the one error shape, never a 5xx ------------------------------

BIG_INT = "1" + "0" * 5000


def odd_requests(case_id, task_id):
    """(who, method, path, raw JSON body) that used to answer 500."""
    applicant = '{"kind": "person", "id_number": "11010519491231002X", "name": "张三"}'
    return [
        (None, "POST", "/api/v1/session", '{"name": "admin", "password": %s}' % BIG_INT),
        ("window", "POST", "/api/v1/tokens", '{"days": %s}' % BIG_INT),
        ("portal", "POST", "/api/v1/cases", '{"process": "no_criminal_record", "applicant": %s, "data": {"n": %s}}'
         % (applicant, BIG_INT)),
        ("portal", "POST", f"/api/v1/cases/{case_id}/messages", '{"name": "x", "data": {"n": %s}}' % BIG_INT),
        ("window", "POST", f"/api/v1/tasks/{task_id}/complete", '{"data": {"n": %s}}' % BIG_INT),
        ("portal", "POST", "/api/v1/webhooks", '{"url": "http://example.com/h", "events": ["case_started"], '
                                              '"x": %s}' % BIG_INT),
        ("portal", "POST", "/api/v1/cases", '{"process": "\\ud800", "applicant": %s}' % applicant),
        ("portal", "POST", "/api/v1/cases", '{"process": "no_criminal_record", "applicant": '
                                            '{"kind": "person", "id_number": "11010519491231002X", "name": "\\udfff"}}'),
        ("portal", "POST", f"/api/v1/cases/{case_id}/messages", '{"name": "\\ud800"}'),
        (None, "POST", "/api/v1/session", '{"name": "\\ud800", "password": "x"}'),
        ("window", "POST", f"/api/v1/tasks/{task_id}/complete", '{"data": {"\\ud800": 1}}'),
        ("portal", "POST", "/api/v1/cases", "[" * 50000 + "]" * 50000),
        ("portal", "POST", "/api/v1/cases", '{"data": ' + "[" * 500 + "]" * 500 + "}"),
    ]


def test_odd_requests_get_a_4xx_in_the_one_error_shape(app, tokens, as_, deployed):
    case = start_case(as_)
    task = case["tasks"][0]
    for who, method, path, body in odd_requests(case["id"], task["id"]):
        caller = Caller(app.test_client(), tokens[who] if who else None)
        r = while_answering(app, tokens, lambda: caller(
            method, path, data=body, headers={"Content-Type": "application/json"}))
        assert 400 <= r.status_code < 500, (path, body[:80], r.status_code, r.get_json())
        assert set(r.get_json()) == {"error", "message", "details"}, r.get_json()


def test_over_long_ids_and_names_on_upload_are_refused(as_, deployed):
    long_id = "p" + "x" * 5000
    r = deploy(as_, "longid", flow("longid").replace('id="longid"', f'id="{long_id}"'))
    assert r.status_code == 422 and r.get_json()["details"]["attribute"] == "id"
    r = deploy(as_, "longname", flow("longname").replace('name="受理"', f'name="{"名" * (4 * 1024 * 1024 // 3)}"'))
    assert r.status_code in (413, 422), r.get_json()
    r = deploy(as_, "longname2", flow("longname2").replace('name="受理"', f'name="{"名" * 301}"'))
    assert r.status_code == 422 and r.get_json()["details"]["attribute"] == "name"
    # a form key or matter entry that does not fit a column: 422 on every database
    r = as_("analyst")("POST", "/api/v1/definitions", data={"file": (_io('{"components": []}'), "k" * 300 + ".form")},
                       content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"] in ("too_long", "definition_invalid")


@pytest.mark.parametrize("text", [
    "[" * 50000 + "]" * 50000,
    '{"process": "no_criminal_record", "name": "%s"}' % ("名" * 400),
    '{"process": "no_criminal_record", "name": "x", "legal_limit_days": %s}' % BIG_INT[:4000],
    '{"process": "no_criminal_record", "name": "\\ud800"}',
    '{"process": ["no_criminal_record"], "name": "x"}',
])
def test_odd_matter_files_are_refused(as_, deployed, text):
    r = as_("analyst")("POST", "/api/v1/definitions", data={"file": (_io(text), "odd.matter.json")},
                       content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"] in ("definition_invalid", "invalid_input", "too_long")


# ---- webhooks: no port scanner for integrators -------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000/", "http://127.1/", "http://0x7f000001:80/", "http://2130706433/", "http://0177.0.0.1/",
    "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://169.254.169.254/latest",
    "http://[fe80::1]/", "http://224.0.0.1/", "http://0.0.0.0/", "http://[::]/", "http://10.1.2.3/",
    "http://192.168.0.1/", "http://localhost:8000/", "http://api.localhost/",
])
def test_webhook_to_a_non_public_address_is_refused(app, tokens, url, monkeypatch):
    monkeypatch.delenv("TONGBAN_WEBHOOK_ALLOW", raising=False)
    portal = Caller(app.test_client(), tokens["portal"])
    r = while_answering(app, tokens, lambda: portal("POST", "/api/v1/webhooks", json={
        "url": url, "events": ["case_started"]}))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"] == "webhook_target_refused"


def test_the_allow_list_admits_intranet_receivers(as_, monkeypatch):
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "10.0.0.0/8, hooks.intranet.example")
    for url in ("http://10.1.2.3/hook", "http://hooks.intranet.example/hook", "https://example.com/hook"):
        assert as_("portal")("POST", "/api/v1/webhooks", json={"url": url, "events": ["case_started"]}).status_code == 201
    r = as_("portal")("POST", "/api/v1/webhooks", json={"url": "http://192.168.1.1/", "events": ["case_started"]})
    assert r.status_code == 422


def test_delivery_checks_the_address_after_dns_and_says_nothing_about_it(deployed, as_, monkeypatch):
    """A name admitted when subscribing but resolving to loopback at delivery is refused
    without connecting, and open and closed ports look the same in the delivery record."""
    import socket
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from engine import webhooks

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as s:           # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    try:
        monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "localhost")
        hooks = [as_("admin")("POST", "/api/v1/webhooks", json={
            "url": f"http://localhost:{port}/hook", "events": ["case_started"]}).get_json()
            for port in (server.server_address[1], closed)]
        start_case(as_)
        monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "")      # the operator withdraws it
        assert webhooks.deliver_due(deployed) == 2
        records = [as_("admin")("GET", f"/api/v1/webhooks/{h['id']}/deliveries").get_json()["items"][0]
                   for h in hooks]
        assert received == []
        assert [(d["last_status_code"], d["last_error"]) for d in records] == [(None, "目标地址不在允许范围内")] * 2
    finally:
        server.shutdown()
        server.server_close()


def test_resolution_is_checked_for_every_address():
    from engine.webhooks import targets

    allow = targets.allow_list("")
    with pytest.raises(targets.TargetRefused):
        targets.resolve("localhost", 80, allow)
    assert targets.resolve("localhost", 80, targets.allow_list("127.0.0.0/8,::1")) in ("127.0.0.1", "::1")
    assert targets.resolve("8.8.8.8", 80, allow) == "8.8.8.8"
    with pytest.raises(targets.TargetRefused):
        targets.resolve("0x7f000001", 80, allow)


# ---- small leaks ---------------------------------------------------------------------------

def test_an_unknown_name_costs_a_password_hash_too(deployed, monkeypatch):
    """Login for an unknown name does the same hashing as for a known one (no timing oracle)."""
    from engine.identity import users as users_module

    deployed.users.add("known", "clerk", password="right")
    checks = []
    real = users_module.check_password_hash
    monkeypatch.setattr(users_module, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    from engine.errors import Unauthenticated
    for name in ("known", "nobody"):
        with pytest.raises(Unauthenticated):
            deployed.users.authenticate(name, "wrong")
    assert len(checks) == 2
    assert checks[0].split("$")[0] == checks[1].split("$")[0]   # the same method and cost


def test_the_login_limit_counts_failures_per_address_and_per_name(deployed, tokens):
    from datetime import timedelta

    from .conftest import make_app, with_password

    with_password(deployed, "admin", "window")
    client = make_app(deployed, TONGBAN_LOGIN_RATE_LIMIT="3/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))

    def login(name, password, address="10.0.0.1"):
        return client.post("/api/v1/session", json={"name": name, "password": password},
                           environ_base={"REMOTE_ADDR": address}).status_code

    # A neighbour's successes lock nobody out.
    assert [login("window", "window") for _ in range(5)] == [200] * 5
    # Guessing one name from many addresses is stopped by the per-name count …
    assert [login("admin", "guess", f"10.0.1.{i}") for i in range(4)] == [401, 401, 401, 429]
    assert login("admin", "admin", "10.0.2.1") == 429
    # … and other names from a fresh address are not.
    assert login("window", "window", "10.0.3.1") == 200
    # Guessing many names from one address is stopped by the per-address count.
    assert [login(f"u{i}", "x", "10.0.4.1") for i in range(4)] == [401, 401, 401, 429]
    deployed.clock.travel(timedelta(seconds=61))
    assert login("admin", "admin", "10.0.2.1") == 200


def test_script_errors_show_diagram_lines_only_to_those_who_may_read_the_diagram(as_, deployed):
    assert deploy(as_, "boom", flow("boom", "a = 1\nb = undefined_name + 1")).status_code == 201
    body = {"process": "boom", "applicant": APPLICANT}
    seen = as_("admin")("POST", "/api/v1/cases", json=body).get_json()
    assert seen["details"]["line_text"].strip() == "b = undefined_name + 1"
    hidden = as_("portal")("POST", "/api/v1/cases", json=body)
    assert hidden.status_code == 422
    assert "line_text" not in hidden.get_json()["details"] and "notes" not in hidden.get_json()["details"]
    assert "undefined_name + 1" not in hidden.get_data(as_text=True)


def test_one_person_claiming_a_task_twice_at_once_gets_it_both_times(app, tokens, as_):
    case = start_case(as_)
    task = case["tasks"][0]
    barrier, results = threading.Barrier(4), []

    def claim():
        client = Caller(app.test_client(), tokens["window"])
        barrier.wait()
        results.append(client("POST", f"/api/v1/tasks/{task['id']}/claim").status_code)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD)
    assert results == [200] * 4
    trail = as_("admin")("GET", f"/api/v1/cases/{case['id']}/trail").get_json()["events"]
    assert [e["type"] for e in trail].count("task_claimed") == 1
