"""Drafts: a process's files as an analyst saves them, apart from what is deployed.

Saving never touches definitions or cases, and is allowed with lint errors (the
problems come back with it); publishing deploys the files with a change note,
through the same lint as any deployment.
"""
from pathlib import PurePosixPath

import sqlalchemy as sa

from engine.commands import Command
from engine.errors import DefinitionInvalid, InvalidInput, NotFound
from engine.models import Draft, User, utcnow
from engine.repository import lint, xmlsafe
from engine.repository.service import BPMN_NS, MAX_FILE_BYTES, kind_of

MAX_FILES = 50
MAX_DRAFT_BYTES = 20 * 1024 * 1024
MAX_NOTE = 2000


def draft_files(files, key):
    """``{filename: text}`` of an upload for draft ``key``, or InvalidInput saying what is wrong.
    Returns it with the draft's name (the process's name)."""
    if not files or len(files) > MAX_FILES:
        raise InvalidInput(f"请上传 1–{MAX_FILES} 个文件", details={"file": "必填"})
    out, total = {}, 0
    for filename, data in files:
        name = PurePosixPath(str(filename).replace("\\", "/")).name
        if not name or len(name) > 300:
            raise InvalidInput("文件名不合法", details={"file": str(filename)[:300]})
        kind_of(name)   # DefinitionInvalid for an unknown type
        if name in out:
            raise InvalidInput(f"文件 {name} 重复", details={"file": name})
        if len(data) > MAX_FILE_BYTES:
            raise DefinitionInvalid("文件过大", details={"file": name, "max_bytes": MAX_FILE_BYTES})
        total += len(data)
        try:
            out[name] = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise DefinitionInvalid("文件不是 UTF-8 编码", details={"file": name}) from None
    if total > MAX_DRAFT_BYTES:
        raise InvalidInput("草稿文件总量过大", details={"max_bytes": MAX_DRAFT_BYTES})
    return out, process_name(out, key)


def process_name(files, key):
    """The name of process ``key`` in the draft's BPMN files; InvalidInput if none draws it."""
    for filename, text in files.items():
        if kind_of(filename) != "bpmn":
            continue
        try:
            root = xmlsafe.parse_xml(text.encode("utf-8"), what="BPMN", max_bytes=MAX_FILE_BYTES).getroot()
        except DefinitionInvalid:
            continue   # lint reports it
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            if process.get("id") == key:
                return process.get("name") or key
    raise InvalidInput(f"草稿的 BPMN 文件中没有 id 为 {key} 的流程", details={"key": key})


def problems_of(engine, files):
    return engine.repository.check(list(files.items()))


class SaveDraft(Command):
    def __init__(self, key, files, actor):
        self.key, self.files, self.actor = key, files, actor

    def prepare(self, engine):
        self.files, self.name = draft_files(self.files, self.key)
        self.problems = problems_of(engine, self.files)   # read-only, before the write opens

    def execute(self, ctx):
        draft = ctx.session.get(Draft, self.key) or Draft(key=self.key)
        draft.name, draft.files = self.name, self.files
        draft.ok = not lint.errors(self.problems)
        draft.updated_at, draft.updated_by = utcnow(), self.actor.name
        ctx.session.add(draft)
        ctx.session.flush()
        return draft, self.problems


class DeleteDraft(Command):
    def __init__(self, key, actor):
        self.key, self.actor = key, actor

    def execute(self, ctx):
        draft = ctx.session.get(Draft, self.key)
        if draft is None:
            raise NotFound(f"未找到草稿 {self.key}", details={"key": self.key})
        ctx.session.delete(draft)


def check_note(note):
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput("请填写变更说明", details={"note": "必填"})
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"变更说明最多 {MAX_NOTE} 个字符", details={"note": f"最多 {MAX_NOTE} 个字符"})
    return note.strip()


class DraftQueries:
    def __init__(self, engine):
        self.engine = engine

    def list(self):
        with self.engine.db.read() as session:
            rows = session.execute(sa.select(Draft, User.display_name).outerjoin(User, User.name == Draft.updated_by)
                                   .order_by(Draft.updated_at.desc(), Draft.key)).all()
            return [as_dict(d, real_name) for d, real_name in rows]

    def get(self, key):
        with self.engine.db.read() as session:
            row = session.execute(sa.select(Draft, User.display_name).outerjoin(User, User.name == Draft.updated_by)
                                  .where(Draft.key == key)).first()
            if row is None:
                raise NotFound(f"未找到草稿 {key}", details={"key": key})
            return row[0], row[1]


def as_dict(draft, real_name=None, problems=None, sources=False):
    out = {"key": draft.key, "name": draft.name, "files": sorted(draft.files), "updated_at": draft.updated_at,
           "updated_by": real_name or draft.updated_by, "ok": draft.ok}
    if problems is not None:
        out["problems"] = problems
    if sources:
        out["sources"] = dict(draft.files)
    return out
