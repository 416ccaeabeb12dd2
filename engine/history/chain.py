"""Tamper evidence for the trail: a hash chain per case, anchored in daily digests.

Each event's ``hash`` is SHA-256 over a canonical serialisation of its content
and the previous event's hash, so editing, deleting or reordering any row
breaks every link after it. The case row keeps the chain's head, so cutting
the tail off is seen too. A daily digest (across cases) hashes the heads of the
chains that changed that day and the previous digest: rewriting a whole chain
afterwards no longer matches the digest, and the digest chain's head can be
copied somewhere the database's administrators cannot reach.

The serialisation is generic over any event type and data: sorted-key JSON of
every column but the row id, datetimes as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
"""
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from engine.models import AuditDigest, Case, CaseEvent

GENESIS = "0" * 64  # the "previous hash" of a case's first event and of the first digest
SETTLE = timedelta(minutes=5)


def _default(value):
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)  # dates, decimals, UUIDs: what the JSON column would have refused anyway


def canonical(value):
    """One byte string per value, whatever the database or dict order gave back."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default, allow_nan=False).encode("utf-8")


def format_time(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_of(event):
    """What an event's hash covers (its row id excluded: it is the database's, not the trail's)."""
    return {"case_id": event.case_id, "seq": event.seq, "type": event.type, "at": format_time(event.at),
            "actor": event.actor, "task_id": event.task_id, "element_id": event.element_id, "data": event.data}


def event_hash(event, prev):
    return content_hash(content_of(event), prev)


def content_hash(content, prev):
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical(content)).hexdigest()


CONTENT_KEYS = ("case_id", "seq", "type", "at", "actor", "task_id", "element_id", "data")


def check_export(exported):
    """Recompute the chain of an exported trail (``HistoryService.export``): the head, or the first bad seq."""
    prev = GENESIS
    for event in exported.get("events") or []:
        if content_hash({k: event.get(k) for k in CONTENT_KEYS}, prev) != event.get("hash"):
            return Broken(event.get("seq"), "content_changed", f"导出文件中第 {event.get('seq')} 条事件与哈希链不符")
        prev = event["hash"]
    if prev != (exported.get("chain") or {}).get("head", GENESIS if not exported.get("events") else None):
        return Broken(None, "head_mismatch", "导出文件的链头与事件不符（事件被删减）")
    return None


def digest_hash(day, heads, prev):
    return hashlib.sha256(prev.encode("ascii") + b"\n" + canonical({"day": day, "heads": heads})).hexdigest()


# ---- verification --------------------------------------------------------------

@dataclass
class Broken:
    seq: int | None
    reason: str   # code: content_changed | link_broken | missing | head_mismatch | digest_mismatch | ...
    message: str  # Chinese, for the auditor

    def to_dict(self):
        return asdict(self)


@dataclass
class Verification:
    case_id: int | None
    events: int = 0
    head: str | None = None
    anchored_days: list = field(default_factory=list)
    broken: Broken | None = None

    @property
    def intact(self):
        return self.broken is None

    def to_dict(self):
        return {"case_id": self.case_id, "intact": self.intact, "events": self.events, "head": self.head,
                "anchored_days": self.anchored_days, "broken": self.broken.to_dict() if self.broken else None}

    def describe(self):
        if self.intact:
            anchor = f"，已锚定于 {len(self.anchored_days)} 个每日摘要" if self.anchored_days else ""
            return f"办件 {self.case_id} 的留痕完整：{self.events} 条事件，链头 {self.head}{anchor}"
        return f"办件 {self.case_id} 的留痕已被改动：{self.broken.message}"


def verify_case(session, case_id):
    """Recompute ``case_id``'s chain from its rows; report the first broken link."""
    case = session.get(Case, case_id)
    result = Verification(case_id)
    events = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                             .order_by(CaseEvent.seq, CaseEvent.id)).all()
    result.events = len(events)
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                result.broken = Broken(expected_seq, "missing", f"第 {expected_seq} 条事件缺失（被删除）")
            else:
                result.broken = Broken(event.seq, "duplicate", f"第 {event.seq} 条事件出现两次（被插入或调换）")
            return result
        if event.hash != event_hash(event, prev):
            if event.hash is not None and event.hash == event_hash(event, _stored_prev(events, expected_seq)):
                result.broken = Broken(event.seq, "link_broken",
                                       f"第 {event.seq} 条事件与前一条事件的链接断开（前面的事件被改动、删除或调换）")
            else:
                result.broken = Broken(event.seq, "content_changed",
                                       f"第 {event.seq} 条事件的内容与其哈希不符（内容或顺序被改动）")
            return result
        prev = event.hash
    result.head = prev if events else None
    if case is not None and (case.last_event_seq != len(events) or (case.chain_head or None) != result.head):
        seq = len(events) + 1 if case.last_event_seq > len(events) else None
        result.broken = Broken(seq, "head_mismatch", "链头与办件记录不符（末尾的事件被删除或添加）")
        return result
    by_seq = {e.seq: e.hash for e in events}
    for digest in session.scalars(sa.select(AuditDigest).order_by(AuditDigest.day)):
        anchored = (digest.heads or {}).get(str(case_id))
        if anchored is None:
            continue
        if by_seq.get(anchored["seq"]) != anchored["hash"]:
            result.broken = Broken(anchored["seq"], "digest_mismatch",
                                   f"第 {anchored['seq']} 条事件与 {digest.day} 的每日摘要不符（整条链被重写）")
            return result
        result.anchored_days.append(digest.day)
    return result


def _stored_prev(events, seq):
    return events[seq - 2].hash if seq > 1 else GENESIS


def verify_digests(session):
    """Recompute the digest chain; a broken digest is reported like a broken event."""
    result = Verification(None)
    prev = GENESIS
    for digest in session.scalars(sa.select(AuditDigest).order_by(AuditDigest.day)):
        result.events += 1
        if digest.prev_hash != prev or digest.hash != digest_hash(digest.day, digest.heads, prev):
            result.broken = Broken(None, "digest_changed", f"{digest.day} 的每日摘要被改动、删除或调换")
            return result
        prev = digest.hash
    result.head = prev if result.events else None
    return result


# ---- daily digests -----------------------------------------------------------------

def day_bounds(day):
    start = datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(), timezone.utc)
    return start, start + timedelta(days=1)


def write_digests(session, now):
    """Write the digest of every finished UTC day since the last one; returns the days written.

    A day's digest holds, for each case whose trail grew that day, the seq and
    hash of its last event of that day. Days without events get no row.
    """
    last = session.scalars(sa.select(AuditDigest).order_by(AuditDigest.day.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    since = day_bounds(last.day)[1] if last else None
    # A unit of work that began just before midnight may still be committing: let the day settle first.
    settled = now - SETTLE
    today = datetime.combine(settled.astimezone(timezone.utc).date(), time(), timezone.utc)
    q = sa.select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash, CaseEvent.at).where(CaseEvent.at < today)
    if since is not None:
        q = q.where(CaseEvent.at >= since)
    heads_by_day = {}
    for case_id, seq, hash_, at in session.execute(q.order_by(CaseEvent.case_id, CaseEvent.seq)):
        day = at.astimezone(timezone.utc).strftime("%Y-%m-%d")
        heads = heads_by_day.setdefault(day, {})
        current = heads.get(str(case_id))
        if current is None or seq > current["seq"]:
            heads[str(case_id)] = {"seq": seq, "hash": hash_}
    written = []
    for day in sorted(heads_by_day):
        heads = heads_by_day[day]
        digest = AuditDigest(day=day, heads=heads, prev_hash=prev, hash=digest_hash(day, heads, prev), created_at=now)
        session.add(digest)
        prev = digest.hash
        written.append(day)
    session.flush()
    return written
