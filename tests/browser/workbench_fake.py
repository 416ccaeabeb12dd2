"""A stand-in for #13b's workbench endpoints (drafts, check, publish, trials, versions, migrations),
installed with Playwright's ``page.route`` so the #13a pages can be driven before #13b is merged.
The problem codes and shapes follow #13b's engine/repository/lint.py (``no_outgoing``, ``no_deadline``).

Everything here follows /work/notes/contract-13.md. Publishing is real: it deploys the draft's files
through the engine, so the published diagram is parsed and run by the real engine. The lint is a
deliberately small one (no outgoing flow; a 容缺 wait with ``clock = pause`` and no timer on it);
the trial walks the diagram's graph. After merging #13b, delete this module and the
``fake_api`` fixture: the tests in test_workbench_fake_api.py then run against the real server.
"""
import json
import re
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FLOW_NODES = {"task", "userTask", "receiveTask", "manualTask", "scriptTask", "businessRuleTask", "sendTask",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "intermediateCatchEvent",
              "intermediateThrowEvent", "startEvent", "subProcess", "callActivity"}
WAITS = {"userTask", "manualTask", "task"}


def multipart_files(request):
    """[(filename, text)] of the repeated `file` fields of a multipart request."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + (request.post_data_buffer or b""))
    return [(part.get_filename(), part.get_payload(decode=True).decode("utf-8"))
            for part in message.iter_parts() if part.get_param("name", header="content-disposition") == "file"]


def _q(tag):
    return f"{{{BPMN}}}{tag}"


def _local(node):
    return etree.QName(node).localname


def lint(files):
    problems = []
    for name, text in files:
        if not name.endswith(".bpmn"):
            continue
        root = etree.fromstring(text.encode("utf-8"))
        for process in root.iter(_q("process")):
            boundary_hosts = {b.get("attachedToRef") for b in process.iter(_q("boundaryEvent"))
                              if b.find(_q("timerEventDefinition")) is not None}
            outgoing = {f.get("sourceRef") for f in process.iter(_q("sequenceFlow"))}
            for node in process.iter():
                if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN}}}"):
                    continue
                tag = _local(node)
                label = node.get("name") or node.get("id")
                if tag in FLOW_NODES and node.get("id") not in outgoing:
                    problems.append(_problem("error", "no_outgoing", name, node, f"「{label}」没有出口连线：流程会停在这里"))
                pause = node.find(f".//{{{SPIFF}}}property[@name='clock'][@value='pause']")
                supplement = any(w in (node.get("name") or "") for w in ("补正", "补交", "后补", "容缺"))
                if tag == "receiveTask" and (pause is not None or supplement) and node.get("id") not in boundary_hosts:
                    problems.append(_problem("error", "no_deadline", name, node,
                                             f"「{label}」是容缺/补正等待，但没有期限：请加边界定时器（如 P5WD）"))
    return problems


def _problem(severity, code, file, node, message):
    return {"severity": severity, "code": code, "file": file, "element_id": node.get("id"),
            "element_name": node.get("name"), "message": message}


class FakeWorkbenchApi:
    def __init__(self, engine, user="analyst", user_name="analyst"):
        self.engine, self.user, self.user_name = engine, user, user_name
        self.drafts, self.trials, self.notes, self.migrations = {}, {}, {}, []
        self.calls = []

    def install(self, page):
        endpoints = r"(drafts|trials|migrations|definitions/check|definitions/[^/]+/versions)"
        page.route(re.compile(rf".*/api/v1/{endpoints}(\b.*)?$"), self._handle)
        return self

    # -------------------------------------------------------------- dispatch

    def _handle(self, route):
        request = route.request
        path = re.sub(r"^.*?/api/v1", "", request.url.split("?")[0])
        self.calls.append((request.method, path))
        for pattern, method, handler in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                status, body = handler(self, request, *match.groups())
                if body is None:
                    return route.fulfill(status=status)
                return route.fulfill(status=status, content_type="application/json",
                                     body=json.dumps(body, ensure_ascii=False))
        return route.fulfill(status=404, content_type="application/json",
                             body=json.dumps({"error": {"code": "not_found", "message": "没有这个接口"}}))

    def _draft_out(self, key, sources=False):
        draft = self.drafts[key]
        problems = lint(draft["files"].items())
        out = {"key": key, "name": draft.get("name") or key, "files": sorted(draft["files"]),
               "updated_at": draft["updated_at"], "updated_by": self.user_name,
               "ok": not any(p["severity"] == "error" for p in problems), "problems": problems}
        if sources:
            out["sources"] = dict(draft["files"])
        return out

    def list_drafts(self, request):
        return 200, {"items": [self._draft_out(k) for k in sorted(self.drafts)]}

    def get_draft(self, request, key):
        if key not in self.drafts:
            return 404, {"error": {"code": "not_found", "message": "没有这个草稿"}}
        return 200, self._draft_out(key, sources=True)

    def put_draft(self, request, key):
        files = multipart_files(request)
        self.drafts[key] = {"files": dict(files), "updated_at": datetime.now(timezone.utc).isoformat()}
        return 200, self._draft_out(key)

    def delete_draft(self, request, key):
        self.drafts.pop(key, None)
        return 204, None

    def check(self, request):
        problems = lint(multipart_files(request))
        return 200, {"ok": not any(p["severity"] == "error" for p in problems), "problems": problems}

    def publish(self, request, key):
        note = (json.loads(request.post_data or "{}").get("note") or "").strip()
        if not note:
            return 422, {"error": {"code": "invalid_input", "message": "请填写变更说明", "details": {"note": "必填"}}}
        draft = self.drafts[key]
        problems = lint(draft["files"].items())
        if any(p["severity"] == "error" for p in problems):
            return 422, {"error": {"code": "lint_failed", "message": "流程检查未通过", "details": {"problems": problems}}}
        deployed = self.engine.repository.deploy([(n, t.encode()) for n, t in draft["files"].items()],
                                                 deployed_by=self.user)
        results = [d.to_dict() for d in deployed]
        main = next(d for d in results if d["kind"] == "bpmn")
        self.notes[(main["key"], main["version"])] = note
        del self.drafts[key]
        return 201, {**main, "deployed": results, "warnings": []}

    def versions(self, request, key):
        import sqlalchemy as sa

        from engine.models import Case, Definition

        with self.engine.db.read() as session:
            rows = session.execute(sa.select(Definition.id, Definition.version).where(
                Definition.kind == "bpmn", Definition.key == key).order_by(Definition.version.desc())).all()
            running = dict(session.execute(sa.select(Case.definition_id, sa.func.count()).where(
                Case.status == "running").group_by(Case.definition_id)).all())
        return 200, {"items": [{"id": i, "version": v, "deployed_at": "2026-12-01T01:00:00Z",
                                "deployed_by": "流程分析员", "note": self.notes.get((key, v), ""),
                                "running_cases": running.get(i, 0)} for i, v in rows]}

    # Migration: a case can move when each of its open tasks' elements exists in the target version.
    def migrate(self, request):
        import sqlalchemy as sa

        from engine.models import Case, Definition

        body = json.loads(request.post_data or "{}")
        key, to_version = body["process"], int(body["to_version"])
        with self.engine.db.read() as session:
            to_id, to_source = session.execute(sa.select(Definition.id, Definition.source).where(
                Definition.kind == "bpmn", Definition.key == key, Definition.version == to_version)).one()
            cases = session.execute(sa.select(Case.id, Case.number, Definition.version).join(
                Definition, Case.definition_id == Definition.id).where(
                Definition.key == key, Case.status == "running", Case.definition_id != to_id)).all()
        target_ids = {n.get("id"): n.get("name") for n in etree.fromstring(to_source.encode()).iter() if n.get("id")}
        if body.get("cases"):
            cases = [c for c in cases if c[0] in set(body["cases"])]
        items = []
        for case_id, number, version in cases:
            tasks = self.engine.tasks.for_case(case_id)
            missing = [t for t in tasks if t.element_id not in target_ids]
            items.append({"case": case_id, "number": number, "from_version": version, "movable": not missing,
                          "reason": f"新版本没有环节「{missing[0].name}」" if missing else None,
                          "tasks": [{"from": t.element_id, "from_name": t.name,
                                     "to": t.element_id if t.element_id in target_ids else None,
                                     "to_name": target_ids.get(t.element_id)} for t in tasks],
                          "moved": False})
        if not body.get("dry_run"):
            for item in items:
                item["moved"] = item["movable"]
            self.migrations.append((key, to_version, [i["case"] for i in items if i["moved"]]))
        return 200, {"dry_run": bool(body.get("dry_run")), "to_version": to_version, "items": items}

    # Trial: walk the draft's graph; parallel splits run every branch, other gateways take the first flow.
    def start_trial(self, request, key):
        root = etree.fromstring(self.drafts[key]["files"][f"{key}.bpmn"].encode())
        trial_id = str(len(self.trials) + 1)
        data = json.loads(request.post_data or "{}").get("data", {})
        trial = {"id": trial_id, "draft": key, "finished": False, "data": data,
                 "completed": [], "active": [], "waiting": [], "tasks": [], "error": None}
        self.trials[trial_id] = (root, trial)
        start = next(root.iter(_q("startEvent")))
        self._advance(root, trial, start.get("id"))
        return 201, trial

    def get_trial(self, request, trial_id):
        return 200, self.trials[trial_id][1]

    def complete_trial_task(self, request, trial_id, task_id):
        root, trial = self.trials[trial_id]
        task = next(t for t in trial["tasks"] if t["id"] == task_id)
        trial["data"].update(json.loads(request.post_data or "{}").get("data", {}))
        trial["tasks"].remove(task)
        trial["active"].remove(task["element_id"])
        self._advance(root, trial, task["element_id"], done=True)
        return 200, trial

    def _advance(self, root, trial, element_id, done=False):
        nodes = {n.get("id"): n for n in root.iter() if isinstance(n.tag, str) and n.get("id")}
        queue = [(element_id, done)]
        while queue:
            current, finished = queue.pop(0)
            node = nodes[current]
            tag = _local(node)
            if not finished and tag == "receiveTask":
                trial["waiting"].append(current)
                continue
            if not finished and tag in WAITS:
                trial["active"].append(current)
                form = node.find(f".//{{{SPIFF}}}property[@name='formKey']")
                trial["tasks"].append({"id": f"{trial['id']}-{len(trial['completed'])}-{current}",
                                       "element_id": current, "name": node.get("name"), "lane": None,
                                       "form": form.get("value") if form is not None else None})
                continue
            trial["completed"].append(current)
            flows = [f for f in root.iter(_q("sequenceFlow")) if f.get("sourceRef") == current]
            incoming = [f.get("sourceRef") for f in root.iter(_q("sequenceFlow")) if f.get("targetRef") == current]
            if tag == "parallelGateway" and len(incoming) > 1:
                if not all(s in trial["completed"] for s in incoming):
                    trial["completed"].remove(current)
                    continue
            if tag not in ("parallelGateway",) and flows:
                flows = [self._choose(node, flows, trial["data"])]
            queue.extend((f.get("targetRef"), False) for f in flows)
        trial["finished"] = not trial["active"] and not trial["waiting"]

    @staticmethod
    def _choose(node, flows, data):
        """The first flow whose condition (`x == "v"` or a bare variable) holds, else the default."""
        for flow in flows:
            condition = flow.find(_q("conditionExpression"))
            if condition is None:
                continue
            text = (condition.text or "").strip()
            equals = re.fullmatch(r'(\w+)\s*==\s*["\'](.*)["\']', text)
            if (equals and str(data.get(equals[1])) == equals[2]) or (re.fullmatch(r"\w+", text) and data.get(text)):
                return flow
        default = node.get("default")
        return next((f for f in flows if f.get("id") == default), flows[0])

    ROUTES = [
        (r"/drafts", "GET", list_drafts),
        (r"/drafts/([^/]+)", "GET", get_draft),
        (r"/drafts/([^/]+)", "PUT", put_draft),
        (r"/drafts/([^/]+)", "DELETE", delete_draft),
        (r"/drafts/([^/]+)/publish", "POST", publish),
        (r"/drafts/([^/]+)/trials", "POST", start_trial),
        (r"/trials/([^/]+)", "GET", get_trial),
        (r"/trials/([^/]+)/tasks/([^/]+)/complete", "POST", complete_trial_task),
        (r"/definitions/check", "POST", check),
        (r"/definitions/([^/]+)/versions", "GET", versions),
        (r"/migrations", "POST", migrate),
    ]


# Set to False once #13b is merged: the workbench tests then run against the real endpoints.
USE_FAKE = False


def install(page, engine):
    """The stand-in when USE_FAKE, else None (the real server answers)."""
    return FakeWorkbenchApi(engine).install(page) if USE_FAKE else None


def call(page, method, path, json=None, files=None):
    """An API call from inside the page (so page.route applies), as the logged-in user:
    ``{"status", "body"}``. ``files`` is ``{name: text}`` sent as repeated multipart ``file``."""
    return page.evaluate("""async ([method, path, json, files]) => {
      const session = await (await fetch("/api/v1/session")).json();
      const init = { method, headers: { Accept: "application/json", "X-CSRF-Token": session.csrf_token } };
      if (files) {
        init.body = new FormData();
        for (const [name, text] of Object.entries(files)) init.body.append("file", new Blob([text]), name);
      } else if (json !== null) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(json);
      }
      const response = await fetch("/api/v1" + path, init);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    }""", [method, path, json, files])


def draft_sources(page, key):
    answer = call(page, "GET", f"/drafts/{key}")
    assert answer["status"] == 200, answer
    return answer["body"]["sources"]
