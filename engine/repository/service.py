"""Repository service: deploy, version and look up BPMN, DMN and form definitions.

A file is parsed (hardened XML, XSD, SpiffWorkflow's parser) before anything is
stored. A changed file makes a new version of its key; an identical one does
not. A BPMN version stores its parsed spec once, together with the versions of
the DMN tables baked into it; deploying a new DMN version re-versions the
processes that call it, so new cases use the new rule and running cases keep
theirs.
"""
import copy
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import generation, spiff
from engine.errors import DefinitionInvalid, NotFound
from engine.models import Definition, Matter
from engine.spiff import scripting, timers

from . import dialects, guide, lint, xmlsafe
from .forms import Form

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class Deployed:
    kind: str
    key: str
    version: int
    name: str
    created: bool
    lanes: list = field(default_factory=list)  # a BPMN process's lane names (candidate groups)

    def to_dict(self):
        return {"kind": self.kind, "key": self.key, "version": self.version, "name": self.name,
                "created": self.created}


def kind_of(filename):
    name = filename.lower()
    if name.endswith(".matter.json"):
        return "matter"
    # Flowable/Activiti write .bpmn20.xml, Camunda 7 and older dmn-js .dmn11.xml.
    suffixes = ((".bpmn", "bpmn"), (".bpmn20.xml", "bpmn"), (".bpmn.xml", "bpmn"), (".dmn", "dmn"),
                (".dmn11.xml", "dmn"), (".dmn13.xml", "dmn"), (".dmn.xml", "dmn"), (".form", "form"))
    for suffix, kind in suffixes:
        if name.endswith(suffix):
            return kind
    raise DefinitionInvalid("不支持的文件类型：请上传 .bpmn、.dmn、.form 或 .matter.json 文件",
                            details={"file": filename})


def _sha(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _text(data):
    try:
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise DefinitionInvalid("文件不是 UTF-8 编码", details={"reason": str(exc)}) from exc


class _Source:
    """One uploaded (or re-used) file, parsed once."""

    def __init__(self, filename, text, kind):
        self.filename, self.text, self.kind = filename, text, kind
        self.sha = _sha(text)
        self.tree = None
        if kind in ("bpmn", "dmn"):
            self.tree = xmlsafe.parse_xml(text.encode("utf-8"), what=kind.upper(), max_bytes=MAX_FILE_BYTES)
            # Vendor dialect read into what Spiff parses; the stored text stays as drawn.
            normalize = dialects.normalize_bpmn if kind == "bpmn" else dialects.normalize_dmn
            normalize(self.tree.getroot(), filename)

    def process_ids(self):
        return [p.get("id") for p in self.tree.getroot().iter(f"{{{BPMN_NS}}}process")
                if p.get("isExecutable", "true").lower() != "false"]

    def process_name(self, pid):
        for p in self.tree.getroot().iter(f"{{{BPMN_NS}}}process"):
            if p.get("id") == pid:
                return p.get("name") or pid
        return pid

    def lanes(self, pid):
        """Names of the lanes drawn in process ``pid``: the candidate groups its tasks go to."""
        return lanes_of(self.tree.getroot(), pid)

    def decision_ids(self):
        root = self.tree.getroot()
        return [d.get("id") for d in root.iter() if isinstance(d.tag, str) and d.tag.endswith("}decision")]

    def decision_name(self, did):
        for d in self.tree.getroot().iter():
            if isinstance(d.tag, str) and d.tag.endswith("}decision") and d.get("id") == did:
                return d.get("name") or did
        return did

    def called_decisions(self):
        return sorted({(e.text or "").strip() for e in self.tree.getroot().iter(f"{{{SPIFF_NS}}}calledDecisionId")})

    def form_keys(self):
        keys = set()
        for prop in self.tree.getroot().iter(f"{{{SPIFF_NS}}}property"):
            if prop.get("name") == "formKey" and prop.get("value"):
                keys.add(prop.get("value"))
        return sorted(keys)


def lanes_of(root, pid=None):
    """Lane names of one process (or of every process) in a parsed BPMN tree, in drawing order."""
    names = []
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if pid is None or process.get("id") == pid:
            for lane in process.iter(f"{{{BPMN_NS}}}lane"):
                if lane.get("name") and lane.get("name") not in names:
                    names.append(lane.get("name"))
    return names


# Where diagram code lives, and how it is compiled: every piece is checked by the
# sandbox's compiler at deployment, so a hostile or broken diagram never gets stored.
EXPRESSION_TAGS = {
    f"{{{BPMN_NS}}}script": "exec",
    f"{{{SPIFF_NS}}}preScript": "exec",
    f"{{{SPIFF_NS}}}postScript": "exec",
    f"{{{BPMN_NS}}}conditionExpression": "eval",
    f"{{{BPMN_NS}}}completionCondition": "eval",
    f"{{{BPMN_NS}}}loopCardinality": "eval",
    f"{{{BPMN_NS}}}loopCondition": "eval",
    f"{{{BPMN_NS}}}timeDuration": "eval",
    f"{{{BPMN_NS}}}timeDate": "eval",
    f"{{{BPMN_NS}}}timeCycle": "eval",
    f"{{{SPIFF_NS}}}messagePayload": "eval",
}


def element_properties(tree):
    found = {}
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        props = {p.get("name"): p.get("value") for p in element.findall(
            f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property") if p.get("name")}
        if props:
            found[element.get("id")] = props
    return found


def check_expressions(root, filename):
    problems, first = {}, None
    for tag, mode in EXPRESSION_TAGS.items():
        for node in root.iter(tag):
            source = (node.text or "").strip()
            if not source:
                continue
            owner = next((a for a in node.iterancestors() if a.get("id")), None)
            owner_id = owner.get("id") if owner is not None else "?"
            try:
                scripting.compile_script(source, mode)
            except scripting.SANDBOX_ERRORS as exc:
                problems[f"{owner_id}:{etree.QName(node).localname}"] = str(exc)
                if first is None:
                    label = (owner.get("name") if owner is not None else None) or owner_id
                    first = f"{etree.QName(owner).localname if owner is not None else ''} {owner_id}「{label}」" \
                            f"的 {source[:80]!r}：{exc}"
    if problems:
        more = f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""
        raise DefinitionInvalid(f"流程中的脚本或表达式不被允许或有语法错误：{first}{more}",
                                details={"file": filename, "expressions": problems})


def missing_called_processes(root, known):
    """Call activities whose called process is not among ``known`` process ids: ``[(node, called)]``."""
    return [(c, c.get("calledElement")) for c in root.iter(f"{{{BPMN_NS}}}callActivity")
            if c.get("calledElement") and c.get("calledElement") not in known]


def check_called_processes(src, known):
    missing = missing_called_processes(src.tree.getroot(), known)
    if missing:
        node, called = missing[0]
        raise DefinitionInvalid(
            f"调用活动 {node.get('id')}「{node.get('name') or node.get('id')}」调用的流程 {called} 不在本次部署中："
            "请把被调用流程的 BPMN 文件一起上传",
            details={"file": src.filename, "problems": [
                {"element": n.get("id"), "name": n.get("name") or "", "type": "callActivity",
                 "reason": f"调用的流程 {c} 不在本次部署中"} for n, c in missing]})


MAX_ID, MAX_NAME = 200, 300   # the columns element ids and names are copied into


def check_names(root, filename):
    """Ids and names end up in columns (process key, task element and name, lane):
    refuse at deployment what would not fit, instead of failing a case later."""
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        for attr, limit in (("id", MAX_ID), ("name", MAX_NAME)):
            value = node.get(attr)
            if value is not None and len(value) > limit:
                raise DefinitionInvalid(f"元素的 {attr} 过长（最多 {limit} 个字符）",
                                        details={"file": filename, "element": etree.QName(node).localname,
                                                 "attribute": attr, "length": len(value), "max_length": limit})


class RepositoryService:
    def __init__(self, engine):
        self.engine = engine
        self._specs = {}
        self._forms = {}
        self._form_versions = {}  # (form key, version) -> (definition id, version)
        self._properties = {}
        self._lock = threading.Lock()

    # ---- deployment -------------------------------------------------------

    def deploy(self, files, deployed_by=None, note=None):
        """Deploy files given as ``[(filename, bytes or str), …]`` in one unit of work."""
        return self.deploy_checked(files, deployed_by, note)[0]

    def deploy_checked(self, files, deployed_by=None, note=None):
        """Deploy and lint: ``(deployed, problems)``; lint errors roll the deployment back
        (``LintFailed``), warnings are returned. ``note`` (a change note) goes on new BPMN versions."""
        if not files:
            raise DefinitionInvalid("没有要部署的文件")
        sources = []
        for filename, data in files:
            if len(data) > MAX_FILE_BYTES:
                raise DefinitionInvalid("文件过大", details={"file": filename, "max_bytes": MAX_FILE_BYTES})
            sources.append(_Source(filename, _text(data), kind_of(filename)))
        with self.engine.db.write() as session:  # a racing deployment of the same key gets Conflict
            deployed = self._deploy(session, sources, deployed_by)
            # After the parse, so what deployment always refused keeps its own error; before the commit.
            problems = lint.lint(files, fetch=self._fetcher(session), parse=False)
            lint.raise_if_errors(problems)
            if note:
                for d in deployed:
                    if d.kind == "bpmn" and d.created:
                        self.get(session, "bpmn", d.key, d.version).note = note
            return deployed, problems

    def check(self, files):
        """Lint an upload against what is deployed, without deploying: the problem list."""
        if not files:
            raise DefinitionInvalid("没有要检查的文件")
        with self.engine.db.read() as session:
            return lint.lint(files, fetch=self._fetcher(session))

    def _fetcher(self, session):
        def fetch(kind, key):
            d = self._latest(session, kind, key)
            return d.source if d is not None else None
        return fetch

    @staticmethod
    def read_paths(paths):
        """``[(filename, bytes)]`` of the given files and of the deployable files in given folders."""
        files = []
        for path in paths:
            path = Path(path)
            children = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for child in children:
                try:
                    kind_of(child.name)
                except DefinitionInvalid:
                    if path.is_dir():
                        continue
                    raise
                files.append((child.name, child.read_bytes()))
        return files

    def deploy_paths(self, paths, deployed_by=None):
        return self.deploy(self.read_paths(paths), deployed_by)

    def _deploy(self, session, sources, deployed_by):
        results = []
        forms = [s for s in sources if s.kind == "form"]
        dmns = [s for s in sources if s.kind == "dmn"]
        bpmns = [s for s in sources if s.kind == "bpmn"]
        matters = [s for s in sources if s.kind == "matter"]

        batch_forms = {}
        for src in forms:
            form = Form.parse(src.text, key_hint=Path(src.filename).stem)
            batch_forms[form.key] = src
            results.append(self._store(session, "form", form.key, src.sha, src, deployed_by, name=form.key))

        # DMN: validate each on its own parser, version by content.
        batch_dmns = {}
        new_dmn_keys = set()
        for src in dmns:
            self._parse([], [src])
            for did in src.decision_ids():
                batch_dmns[did] = src
                res = self._store(session, "dmn", did, src.sha, src, deployed_by, name=src.decision_name(did))
                results.append(res)
                if res.created:
                    new_dmn_keys.add(did)

        # BPMN: the batch, plus the latest processes that call a DMN which just changed.
        bpmn_jobs = [(src, pid) for src in bpmns for pid in src.process_ids()]
        if not bpmn_jobs and bpmns:
            raise DefinitionInvalid("BPMN 文件中没有可执行的流程 (isExecutable)")
        batch_pids = {pid for _, pid in bpmn_jobs}
        if new_dmn_keys:
            for d in self._latest_all(session, "bpmn"):
                if d.key not in batch_pids and any(u["key"] in new_dmn_keys for u in d.uses or [] if u["kind"] == "dmn"):
                    bpmn_jobs.append((_Source(d.filename, d.source, "bpmn"), d.key))
        for src, pid in bpmn_jobs:
            results.append(self._deploy_process(session, src, pid, bpmns, batch_dmns, batch_forms, deployed_by))

        for src in matters:
            results.append(self._store_matter(session, src))
        return results

    def _deploy_process(self, session, src, pid, batch_bpmns, batch_dmns, batch_forms, deployed_by):
        uses, dmn_sources = [], []
        for did in src.called_decisions():
            if did in batch_dmns:
                dmn_src = batch_dmns[did]
            else:
                latest = self._latest(session, "dmn", did)
                if latest is None:
                    raise DefinitionInvalid(f"流程 {pid} 调用的决策表 {did} 尚未部署",
                                            details={"process": pid, "missing_decision": did})
                dmn_src = _Source(latest.filename, latest.source, "dmn")
            dmn_sources.append(dmn_src)
            uses.append({"kind": "dmn", "key": did, "sha256": dmn_src.sha})
        for key in src.form_keys():
            if key not in batch_forms and self._latest(session, "form", key) is None:
                raise DefinitionInvalid(f"流程 {pid} 引用的表单 {key} 尚未部署",
                                        details={"process": pid, "missing_form": key})
        bpmn_sources = [src] + [b for b in batch_bpmns if b is not src]
        check_called_processes(src, {p for b in bpmn_sources for p in b.process_ids()})
        parser = self._parse(bpmn_sources, dmn_sources)
        try:
            spec = parser.get_spec(pid)
            subprocess_specs = parser.get_subprocess_specs(pid)
        except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
            raise DefinitionInvalid(f"流程 {pid} 无法解析：{exc}", details={"process": pid, "reason": str(exc)}) from exc
        fingerprint = _sha(src.sha, *sorted(u["key"] + ":" + u["sha256"] for u in uses))
        for use in uses:
            use["version"] = self._latest(session, "dmn", use["key"]).version
        spec_dict = spiff.spec_to_dict(spec, subprocess_specs)
        result = self._store(session, "bpmn", pid, fingerprint, src, deployed_by,
                             name=src.process_name(pid), spec=spec_dict, uses=uses)
        result.lanes = src.lanes(pid)
        return result

    def _parse(self, bpmn_sources, dmn_sources):
        parser = spiff.new_parser()
        dialects.check_call_graph([src.tree.getroot() for src in bpmn_sources])
        try:
            for src in dmn_sources:
                for tree in dialects.split_decisions(src.tree.getroot()):
                    parser.add_dmn_xml(tree, filename=src.filename)
            for src in bpmn_sources:
                # Modeler-style timers (P5D) become expressions on a copy; the stored source stays as drawn.
                root = copy.deepcopy(src.tree.getroot())
                timers.normalize_timer_expressions(root)
                check_expressions(root, src.filename)
                check_names(root, src.filename)
                parser.add_bpmn_xml(root, filename=src.filename)
        except (ValidationException, SpiffWorkflowException) as exc:
            raise DefinitionInvalid(f"文件未通过校验：{exc}", details={"reason": str(exc)}) from exc
        return parser

    def build_specs(self, files, pid):
        """Parse an upload as deployment does and return ``(spec, subprocess_specs)`` of process
        ``pid`` without storing anything (a draft's sandbox trial). DMN it calls that the upload
        lacks come from what is deployed."""
        sources = [_Source(filename, _text(data), kind_of(filename)) for filename, data in files]
        bpmns = [s for s in sources if s.kind == "bpmn"]
        dmns = [s for s in sources if s.kind == "dmn"]
        main = next((s for s in bpmns if pid in s.process_ids()), None)
        if main is None:
            raise DefinitionInvalid(f"没有可执行的流程 {pid}", details={"process": pid})
        have = {did for s in dmns for did in s.decision_ids()}
        with self.engine.db.read() as session:
            for src in bpmns:
                for did in src.called_decisions():
                    if did not in have:
                        latest = self._latest(session, "dmn", did)
                        if latest is None:
                            raise DefinitionInvalid(f"流程 {pid} 调用的决策表 {did} 尚未部署",
                                                    details={"process": pid, "missing_decision": did})
                        dmns.append(_Source(latest.filename, latest.source, "dmn"))
                        have.add(did)
        parser = self._parse([main] + [b for b in bpmns if b is not main], dmns)
        try:
            return parser.get_spec(pid), parser.get_subprocess_specs(pid)
        except (ValidationException, SpiffWorkflowException, KeyError, ValueError) as exc:
            raise DefinitionInvalid(f"流程 {pid} 无法解析：{exc}", details={"process": pid, "reason": str(exc)}) from exc

    def _store(self, session, kind, key, sha, src, deployed_by, name="", spec=None, uses=None):
        latest = self._latest(session, kind, key)
        if latest is not None and latest.sha256 == sha:
            session.flush()
            return Deployed(kind, key, latest.version, latest.name, created=False)
        version = (latest.version + 1) if latest else 1
        session.add(Definition(kind=kind, key=key, version=version, name=name or key, filename=src.filename,
                               source=src.text, sha256=sha, spec=spec, uses=uses, deployed_by=deployed_by))
        session.flush()
        return Deployed(kind, key, version, name or key, created=True)

    def _store_matter(self, session, src):
        try:
            entry = json.loads(src.text)
        except (ValueError, RecursionError) as exc:   # RecursionError: nested past the stack
            raise DefinitionInvalid("事项目录文件不是合法的 JSON", details={"file": src.filename,
                                                                   "reason": str(exc)[:200]}) from None
        if not isinstance(entry, dict) or not entry.get("process") or not entry.get("name"):
            raise DefinitionInvalid("事项目录缺少 process 或 name", details={"file": src.filename})
        self._check_matter(entry, src.filename)
        matter = session.get(Matter, entry["process"]) or Matter(process_key=entry["process"])
        changed = matter.guide != entry
        matter.name = entry["name"]
        matter.department = entry.get("department", "")
        matter.base_code = entry.get("base_code")
        matter.implementation_code = entry.get("implementation_code")
        matter.legal_limit_days = entry.get("legal_limit_days")
        matter.promised_limit_days = entry.get("promised_limit_days")
        matter.guide = entry
        session.add(matter)
        session.flush()
        return Deployed("matter", entry["process"], 1, entry["name"], created=changed)

    @staticmethod
    def _check_matter(entry, filename):
        problems = guide.problems(entry)
        problem = scripting.data_problem(entry)
        if problem:
            problems["file"] = problem
        if problems:
            first = next(iter(problems.values()))
            raise DefinitionInvalid(f"事项目录内容不合法：{first}", details={"file": filename, **problems})

    # ---- look-ups ---------------------------------------------------------

    @staticmethod
    def _latest(session, kind, key):
        return session.scalars(
            sa.select(Definition).where(Definition.kind == kind, Definition.key == key)
            .order_by(Definition.version.desc()).limit(1)
            .options(sa.orm.undefer(Definition.source))).first()

    @staticmethod
    def _latest_all(session, kind):
        newest = (sa.select(Definition.key, sa.func.max(Definition.version).label("v"))
                  .where(Definition.kind == kind).group_by(Definition.key).subquery())
        return session.scalars(
            sa.select(Definition).join(newest, sa.and_(Definition.key == newest.c.key, Definition.version == newest.c.v))
            .where(Definition.kind == kind).order_by(Definition.key)
            .options(sa.orm.undefer(Definition.source))).all()

    def latest(self, session, kind, key):
        definition = self._latest(session, kind, key)
        if definition is None:
            raise NotFound(f"未找到定义 {key}", details={"kind": kind, "key": key})
        return definition

    def get(self, session, kind, key, version):
        definition = session.scalars(sa.select(Definition).where(
            Definition.kind == kind, Definition.key == key, Definition.version == version)).first()
        if definition is None:
            raise NotFound(f"未找到定义 {key} v{version}", details={"kind": kind, "key": key, "version": version})
        return definition

    def list(self, kind=None, all_versions=False):
        with self.engine.db.read() as session:
            q = sa.select(Definition).order_by(Definition.kind, Definition.key, Definition.version.desc())
            if kind:
                q = q.where(Definition.kind == kind)
            rows = session.scalars(q).all()
        if all_versions:
            return rows
        seen, latest = set(), []
        for row in rows:
            if (row.kind, row.key) not in seen:
                seen.add((row.kind, row.key))
                latest.append(row)
        return latest

    def source(self, kind, key, version=None):
        with self.engine.db.read() as session:
            d = self.get(session, kind, key, version) if version else self.latest(session, kind, key)
            return d.source

    def lanes(self, key):
        """Lane names of the latest version of process ``key``."""
        return lanes_of(xmlsafe.parse_xml(self.source("bpmn", key).encode("utf-8"), what="BPMN",
                                          max_bytes=MAX_FILE_BYTES).getroot(), key)

    def matters(self):
        with self.engine.db.read() as session:
            return session.scalars(sa.select(Matter).order_by(Matter.process_key)).all()

    def matter(self, code):
        """One catalogue entry by its implementation code, base code or process key (一码管理)."""
        if not isinstance(code, str) or not code or len(code) > 200:
            raise NotFound("未找到该事项", details={"code": "未找到"})
        with self.engine.db.read() as session:
            found = session.scalars(sa.select(Matter).where(sa.or_(
                Matter.implementation_code == code, Matter.base_code == code, Matter.process_key == code))
                .order_by(Matter.process_key)).all()
        # An implementation code names one matter; a base code may be implemented by several units.
        best = next((m for m in found if m.implementation_code == code), None) or next(
            (m for m in found if m.process_key == code), None) or (found[0] if found else None)
        if best is None:
            raise NotFound("未找到该事项", details={"code": code})
        return best

    def specs(self, session, definition_id):
        """Spec objects of a BPMN version, restored once per engine (versions never change)."""
        cached = self._specs.get(definition_id)
        if cached is None:
            spec_dict = session.scalar(sa.select(Definition.spec).where(Definition.id == definition_id))
            cached = spiff.specs_from_dict(spec_dict)
            with self._lock:
                self._specs[definition_id] = cached
        return cached

    def properties(self, session, definition_id):
        """``{element id: {name: value}}`` of the spiffworkflow:property entries of a BPMN
        version (clock, timeLimit, outcome …), read from its source once per engine."""
        cached = self._properties.get(definition_id)
        if cached is None:
            if session is None:  # e.g. a replay, which runs outside any unit of work
                with self.engine.db.read() as own:
                    return self.properties(own, definition_id)
            source = session.scalar(sa.select(Definition.source).where(Definition.id == definition_id))
            cached = element_properties(xmlsafe.parse_xml(source.encode("utf-8"), max_bytes=MAX_FILE_BYTES))
            with self._lock:
                self._properties[definition_id] = cached
        return cached

    def form(self, session, key, version=None):
        """The parsed form ``key`` (its newest version unless one is named) and its version."""
        # Which row holds the form: a named version never changes, the newest only at a deploy.
        def look_up():
            d = self.get(session, "form", key, version) if version else self.latest(session, "form", key)
            return d.id, d.version
        if version:
            if (key, version) not in self._form_versions:
                self._form_versions[(key, version)] = look_up()
            form_id, version = self._form_versions[(key, version)]
        else:
            form_id, version = generation.cached(session, generation.CONFIGURATION, ("newest form", key), look_up)
        cached = self._forms.get(form_id)
        if cached is None:
            cached = Form.parse(session.scalar(sa.select(Definition.source).where(Definition.id == form_id)), key_hint=key)
            with self._lock:
                self._forms[form_id] = cached
        return cached, version
