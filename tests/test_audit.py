"""The trail proves itself: tampering found by the hash chain, daily digests, replay.

Tampering is done the way an attacker with database access would: raw SQL
after lifting the append-only triggers, never through the application.
"""
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from engine import Actor
from engine.calendar import BEIJING
from engine.history import chain
from engine.models import Case, CaseEvent

from .test_matters import PERSON, decide, review_both, start_food, work
from .test_cli import tongban
from tests.window_data import FOOD_COMPLETE, FOOD_TOLERATED, SUPPLEMENT


# ---- the attacker's tools ------------------------------------------------------------

def raw(engine, *statements):
    """Run SQL with the trail's append-only triggers lifted, then put them back."""
    postgres = engine.db.is_postgres
    with engine.db.engine.begin() as conn:
        if postgres:
            conn.exec_driver_sql("ALTER TABLE case_event DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_digest DISABLE TRIGGER USER")
        else:
            for name in ("case_event_no_update", "case_event_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        for statement, params in statements:
            conn.execute(sa.text(statement), params)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE case_event ENABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_digest ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event "
                                 "BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END")
            conn.exec_driver_sql("CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event "
                                 "BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END")


def event_row(engine, case_id, seq):
    with engine.db.read() as s:
        return s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == seq)).one()


def seq_of(engine, case_id, type, nth=0):
    return [e.seq for e in engine.history.trail(case_id) if e.type == type][nth]


def set_data(engine, case_id, seq, data):
    raw(engine, ("UPDATE case_event SET data = :data WHERE case_id = :c AND seq = :s",
                 {"data": json.dumps(data, ensure_ascii=False), "c": case_id, "s": seq}))


def rehash_chain(engine, case_id):
    """The clever attacker: recompute every hash after an edit, and the case's head."""
    with engine.db.read() as s:
        events = s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).all()
    prev, statements = chain.GENESIS, []
    for event in events:
        prev = chain.event_hash(event, prev)
        statements.append(("UPDATE case_event SET hash = :h WHERE id = :id", {"h": prev, "id": event.id}))
    statements.append(('UPDATE "case" SET chain_head = :h WHERE id = :id', {"h": prev, "id": case_id}))
    raw(engine, *statements)


@pytest.fixture
def food_case(deployed):
    """A food licence case that went round the 退回 loop once and was approved."""
    case = start_food(deployed, FOOD_COMPLETE)
    review_both(deployed, case.id)
    decide(deployed, case.id, "return")
    work(deployed, case.id, "correct", {"correction_notes": "请补充布局图", "materials_missing": False})
    review_both(deployed, case.id, market_first=False)
    decide(deployed, case.id, "approve")
    return case


# ---- the hash chain ------------------------------------------------------------------

def test_every_event_is_chained_to_the_previous_one(food_case, deployed):
    events = deployed.history.trail(food_case.id)
    prev = chain.GENESIS
    for event in events:
        assert event.hash == chain.event_hash(event, prev)
        prev = event.hash
    with deployed.db.read() as s:
        assert s.get(Case, food_case.id).chain_head == prev
    result = deployed.history.verify(food_case.id)
    assert result.intact and result.events == len(events) and result.head == prev


def test_an_edited_payload_is_found(food_case, deployed):
    seq = seq_of(deployed, food_case.id, "task_completed", 2)  # a review's submission
    edited = dict(event_row(deployed, food_case.id, seq).data)
    edited["submitted"] = {**edited["submitted"], "market_opinion": "fail"}
    set_data(deployed, food_case.id, seq, edited)
    result = deployed.history.verify(food_case.id)
    assert not result.intact
    assert result.broken.seq == seq and result.broken.reason == "content_changed"
    assert f"第 {seq} 条事件" in result.broken.message


def test_an_edited_actor_is_found(food_case, deployed):
    seq = seq_of(deployed, food_case.id, "task_completed")
    raw(deployed, ("UPDATE case_event SET actor = 'someone-else' WHERE case_id = :c AND seq = :s",
                   {"c": food_case.id, "s": seq}))
    assert deployed.history.verify(food_case.id).broken.seq == seq


def test_a_deleted_event_is_found(food_case, deployed):
    seq = seq_of(deployed, food_case.id, "gateway_passed", 1)
    raw(deployed, ("DELETE FROM case_event WHERE case_id = :c AND seq = :s", {"c": food_case.id, "s": seq}))
    result = deployed.history.verify(food_case.id)
    assert (result.broken.seq, result.broken.reason) == (seq, "missing")


def test_a_deleted_and_renumbered_event_is_found(food_case, deployed):
    """Deleting a row and shifting the later ones down leaves no gap: the links break."""
    seq = seq_of(deployed, food_case.id, "task_completed", 1)
    raw(deployed, ("DELETE FROM case_event WHERE case_id = :c AND seq = :s", {"c": food_case.id, "s": seq}),
        ("UPDATE case_event SET seq = -seq WHERE case_id = :c AND seq > :s", {"c": food_case.id, "s": seq}),
        ("UPDATE case_event SET seq = -seq - 1 WHERE case_id = :c AND seq < 0", {"c": food_case.id}),
        ('UPDATE "case" SET last_event_seq = last_event_seq - 1 WHERE id = :c', {"c": food_case.id}))
    result = deployed.history.verify(food_case.id)
    assert not result.intact and result.broken.seq == seq


def test_the_last_event_cut_off_is_found(food_case, deployed):
    last = deployed.history.trail(food_case.id)[-1].seq
    raw(deployed, ("DELETE FROM case_event WHERE case_id = :c AND seq = :s", {"c": food_case.id, "s": last}))
    result = deployed.history.verify(food_case.id)
    assert result.broken.reason == "head_mismatch" and result.broken.seq == last


def test_a_swapped_order_is_found(food_case, deployed):
    """Two events' places exchanged (their seq numbers swapped)."""
    a = seq_of(deployed, food_case.id, "task_completed", 1)
    b = a + 1
    raw(deployed, ("UPDATE case_event SET seq = -1 WHERE case_id = :c AND seq = :s", {"c": food_case.id, "s": a}),
        ("UPDATE case_event SET seq = :a WHERE case_id = :c AND seq = :b", {"c": food_case.id, "a": a, "b": b}),
        ("UPDATE case_event SET seq = :b WHERE case_id = :c AND seq = -1", {"c": food_case.id, "b": b}))
    result = deployed.history.verify(food_case.id)
    assert not result.intact and result.broken.seq == a


def test_swapped_contents_are_found(food_case, deployed):
    """The rows stay, their contents are exchanged: 'review_market' now seems to come second."""
    events = deployed.history.trail(food_case.id)
    first, second = [e for e in events if e.type == "task_completed" and e.element_id.startswith("review_")][:2]
    swap = "UPDATE case_event SET element_id = :el, data = :data WHERE id = :id"
    raw(deployed,
        (swap, {"el": second.element_id, "data": json.dumps(second.data), "id": first.id}),
        (swap, {"el": first.element_id, "data": json.dumps(first.data), "id": second.id}))
    assert deployed.history.verify(food_case.id).broken.seq == first.seq


def test_a_rewritten_chain_is_caught_by_the_daily_digest(food_case, deployed):
    deployed.clock.travel(timedelta(days=1))
    days = deployed.history.write_digests()
    assert len(days) >= 1 and deployed.history.write_digests() == []  # once per day
    assert deployed.history.verify(food_case.id).anchored_days == days
    seq = seq_of(deployed, food_case.id, "task_completed", 1)
    edited = dict(event_row(deployed, food_case.id, seq).data)
    edited["submitted"] = {**edited["submitted"], "decision": "approve"}
    set_data(deployed, food_case.id, seq, edited)
    rehash_chain(deployed, food_case.id)
    result = deployed.history.verify(food_case.id)
    assert result.broken.reason == "digest_mismatch"
    assert days[-1] in result.broken.message


def test_digests_chain_and_an_edited_digest_is_found(deployed):
    start = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    deployed.clock.freeze(start)
    for day in range(3):
        deployed.clock.freeze(start + timedelta(days=day))
        deployed.runtime.start("no_criminal_record", PERSON)
    deployed.clock.freeze(start + timedelta(days=3))
    assert deployed.history.write_digests() == ["2026-03-02", "2026-03-03", "2026-03-04"]
    results = list(deployed.history.verify_all())
    assert all(r.intact for r in results) and results[0].events == 3
    with deployed.db.engine.begin() as conn:
        if deployed.db.is_postgres:
            conn.exec_driver_sql("ALTER TABLE audit_digest DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_digest_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_digest WHERE day = '2026-03-03'")
        if deployed.db.is_postgres:  # the PostgreSQL test database outlives this test
            conn.exec_driver_sql("ALTER TABLE audit_digest ENABLE TRIGGER USER")
    assert not list(deployed.history.verify_all())[0].intact


def test_the_database_still_refuses_honest_mistakes(food_case, deployed):
    with pytest.raises(sa.exc.DatabaseError):
        with deployed.db.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE case_event SET actor = 'x' WHERE case_id = {food_case.id}")
    deployed.clock.travel(timedelta(days=1))
    assert deployed.history.write_digests()
    with pytest.raises(sa.exc.DatabaseError):
        with deployed.db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_digest")


def test_any_event_type_and_data_hash_alike(deployed):
    """Other areas add event types: the chain needs nothing from them."""
    from engine import history
    from engine.models import utcnow

    case = deployed.runtime.start("no_criminal_record", PERSON)
    with deployed.db.write() as s:
        row = s.get(Case, case.id)
        history.append(s, row, "some_future_type", actor="x", element_id="e",
                       data={"nested": {"b": [1, 2.5, None], "a": "中文"}, "when": utcnow()})
    assert deployed.history.verify(case.id).intact


def test_a_unit_of_works_events_are_written_together_and_a_savepoint_takes_its_own_back(deployed):
    """Events wait for the unit of work's flush and go in one INSERT; a savepoint rolled back
    (a case undone alone by a migration) takes back the events appended inside it."""
    from engine import history
    from engine.errors import InvalidInput

    case = deployed.runtime.start("no_criminal_record", PERSON)
    inserts = []

    def seen(conn, cursor, text, *args):
        if text.startswith("INSERT INTO case_event"):
            inserts.append(text)
    sa.event.listen(deployed.db.engine, "before_cursor_execute", seen)
    try:
        with deployed.db.write() as s, s.no_autoflush:  # as in a step: nothing flushes in between
            row = s.get(Case, case.id)
            for n in range(3):
                history.append(s, row, "some_future_type", actor="x", data={"n": n})
            with pytest.raises(RuntimeError):
                with s.begin_nested():
                    history.append(s, row, "undone_type", actor="x")
                    raise RuntimeError("undo this case alone")
            s.expire(row)  # what the migration does: the case row as it was at the savepoint
            history.append(s, row, "some_future_type", actor="x", data={"n": 3})
    finally:
        sa.event.remove(deployed.db.engine, "before_cursor_execute", seen)
    trail = deployed.history.trail(case.id)
    assert [e.type for e in trail].count("undone_type") == 0
    assert [(e.data or {}).get("n") for e in trail if e.type == "some_future_type"] == [0, 1, 2, 3]
    assert len(inserts) == 2  # the three before the savepoint (it flushes first), then the last one
    assert deployed.history.verify(case.id).intact
    # Text a column cannot hold is still the caller's error, as the flush-time check made it.
    with pytest.raises(InvalidInput) as refused, deployed.db.write() as s:
        history.append(s, s.get(Case, case.id), "some_future_type", actor="x" * 101)
    assert refused.value.code == "too_long"
    assert deployed.history.verify(case.id).intact


def test_cli_verify_exits_non_zero_on_a_broken_link(food_case, deployed, database_url):
    out = tongban(database_url, "audit", "verify", str(food_case.id))
    assert "留痕完整" in out.stdout
    assert "全部完整" in tongban(database_url, "audit", "verify").stdout
    seq = seq_of(deployed, food_case.id, "task_completed", 2)
    set_data(deployed, food_case.id, seq, {"submitted": {}})
    proc = tongban(database_url, "audit", "verify", str(food_case.id), check=False)
    assert proc.returncode == 1 and f"第 {seq} 条事件" in proc.stdout
    proc = tongban(database_url, "audit", "verify", check=False)
    assert proc.returncode == 1 and "1 处留痕被改动" in proc.stdout


def test_the_migration_hashes_existing_trails(tmp_path):
    """Trails written before the chain existed verify after the upgrade."""
    from alembic import command
    from alembic.config import Config

    from engine import Engine
    from engine.db import ROOT

    eng = Engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with eng.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with eng.db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO definition (id, kind, key, version, name, filename, source, sha256, "
                             "deployed_at) VALUES (1, 'bpmn', 'p', 1, 'p', 'p.bpmn', '', '', '2026-01-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO \"case\" (id, definition_id, process_key, status, applicant_kind, applicant_id_number, "
            "applicant_name, data, state, serializer_version, created_at, updated_at, last_event_seq, row_version) "
            "VALUES (1, 1, 'p', 'running', 'person', 'x', '张三', '{}', '{}', '1.5', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 2, 1)")
        for seq, data in ((1, '{"data": {"a": 1}}'), (2, '{"name": "受理", "submitted": {"b": "中文"}}')):
            conn.exec_driver_sql(f"INSERT INTO case_event (case_id, seq, type, at, actor, data) VALUES "
                                 f"(1, {seq}, 'case_started', '2026-01-01 00:00:0{seq}.250000', 'u', '{data}')")
    eng.migrate()
    result = eng.history.verify(1)
    assert result.intact and result.events == 2
    eng.close()


# ---- a complete trail with names -------------------------------------------------------

def test_people_see_element_names_never_generated_ids(deployed):
    case = start_food(deployed)  # materials missing: the gateway goes to the wait with its deadline
    events = deployed.history.trail(case.id)
    taken = [t for e in events if e.type == "gateway_passed" for t in e.data["taken"]]
    assert {"element_id": "wait_supplement", "name": "等待补正材料"} in taken
    names = [e.data.get("name") for e in events] + [t["name"] for t in taken]
    assert not any(n is None or "." in n or n in ("merge_round", "split_review") for n in names if n is not None)
    assert all(t["element_id"] for t in taken)


def test_a_rule_evaluation_records_table_version_and_matched_rows(deployed):
    from .test_matters import GRADUATE

    case = deployed.runtime.start("graduate_settlement", PERSON, GRADUATE)
    rule = next(e for e in deployed.history.trail(case.id) if e.type == "rule_evaluated")
    assert rule.data["decision"]["key"] == "graduate_settlement_rules" and rule.data["decision"]["version"] == 1
    applied = [m for m in rule.data["matched"] if m["applied"]]
    assert [(m["row"], m["id"]) for m in applied] == [(4, "rule_bachelor")]
    assert applied[0]["outputs"] == {"auto_approve": True, "reason": rule.data["outputs"]["reason"]}


def test_a_completion_records_the_data_it_changed(food_case, deployed):
    completions = [e for e in deployed.history.trail(food_case.id) if e.type == "task_completed"]
    second_decision = [e for e in completions if e.element_id == "decide"][1]
    assert second_decision.data["changes"]["decision"] == {"before": "return", "after": "approve"}
    second_market = [e for e in completions if e.element_id == "review_market"][1]
    assert "market_opinion" not in second_market.data["changes"]  # "pass" both rounds: unchanged
    assert second_decision.data["changes"]["decision_opinion"]["before"] == "决定：return"


# ---- deterministic re-execution ----------------------------------------------------------

def assert_replays(engine, case_id):
    result = engine.history.replay(case_id)
    assert result.ok, result.describe()
    assert result.events == len(engine.history.trail(case_id))  # every event, replayed or known to move nothing
    return result


def test_replay_food_licence_return_loop(food_case, deployed):
    work(deployed, food_case.id, "deliver", {"licence_number": "JY12345678901234", "delivery_method": "electronic"})
    result = assert_replays(deployed, food_case.id)
    assert result.status == "completed" and result.path.count("decide") == 4  # ready + done, two rounds


def test_replay_food_licence_supplement_arrives(deployed):
    case = start_food(deployed)
    deployed.clock.travel(timedelta(days=1))
    review_both(deployed, case.id)
    deployed.runtime.send_message(case.id, "supplement_received", SUPPLEMENT)
    work(deployed, case.id, "verify_supplement", {"supplement_opinion": "pass",
                                                  "received_materials": ["health_certificates"]})
    decide(deployed, case.id, "approve")
    assert_replays(deployed, case.id)


def test_replay_food_licence_supplement_deadline_expires(deployed):
    """容缺 P5WD: the timer fires at its recorded time in the replay too."""
    deployed.clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING))  # a Tuesday: due end of 12-08
    case = start_food(deployed)
    tasks = {t.element_id: t for t in deployed.tasks.for_case(case.id)}
    deployed.tasks.claim(tasks["review_market"].id, Actor("clerk-市场监管局", "clerk", frozenset({"市场监管局"})))
    work(deployed, case.id, "review_market", {"market_opinion": "pass"})
    deployed.clock.freeze(datetime(2026, 12, 9, 9, 0, tzinfo=BEIJING))
    assert deployed.management.run_due_jobs() == 1
    result = assert_replays(deployed, case.id)
    assert result.status == "terminated" and "supplement_deadline" in result.path


def test_replay_a_timer_that_fires_inside_a_clerks_step(deployed):
    """Past the deadline before any worker ran: the clerk's own step fires the timer."""
    deployed.clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING))
    case = start_food(deployed)
    deployed.clock.freeze(datetime(2026, 12, 9, 10, 0, tzinfo=BEIJING))
    work(deployed, case.id, "review_market", {"market_opinion": "pass"})
    types = [e.type for e in deployed.history.trail(case.id)]
    assert types.index("timer_fired") > types.index("task_completed", 4)  # fired in the clerk's unit of work
    assert assert_replays(deployed, case.id).status == "terminated"


def test_replay_real_estate_with_tax_message(deployed):
    case = deployed.runtime.start("real_estate_registration", PERSON)
    work(deployed, case.id, "accept", {"acceptance": "accept", "registration_type": "transfer"})
    work(deployed, case.id, "assess_tax", {"tax_amount": 12800.5, "tax_items": ["deed_tax"]})
    work(deployed, case.id, "review_registry", {"registry_opinion": "pass"})
    deployed.runtime.send_message(case.id, "tax_paid", {"amount": 12800.5, "receipt": "SW-2026-001"})
    work(deployed, case.id, "review_transaction", {"transaction_opinion": "pass"})
    work(deployed, case.id, "record", {"decision": "approve", "record_opinion": "准予登记"})
    work(deployed, case.id, "deliver", {"delivery_method": "window"})
    assert assert_replays(deployed, case.id).status == "completed"


@pytest.mark.parametrize("has_employer", [True, False])
def test_replay_graduate_settlement_rule(deployed, has_employer):
    from .test_matters import GRADUATE

    case = deployed.runtime.start("graduate_settlement", PERSON, {**GRADUATE, "has_employer": has_employer})
    if not has_employer:
        work(deployed, case.id, "manual_review", {"decision": "reject", "review_opinion": "无接收单位"})
    assert assert_replays(deployed, case.id).status == "completed"


def test_replay_no_criminal_record(deployed):
    case = deployed.runtime.start("no_criminal_record", PERSON, {"purpose_note": "求职"})
    assert_replays(deployed, case.id)  # running, waiting at the window
    work(deployed, case.id, "accept", {"acceptance": "accept", "purpose": "employment"})
    work(deployed, case.id, "review", {"decision": "approve", "review_opinion": "经核查无犯罪记录"})
    work(deployed, case.id, "deliver", {"certificate_number": "NCR-0001", "delivery_method": "window"})
    assert assert_replays(deployed, case.id).status == "completed"


def test_replay_a_foreign_diagram(engine):
    from .test_matters import test_a_foreign_diagram_fee_deadline_terminates

    test_a_foreign_diagram_fee_deadline_terminates(engine)
    case_id = engine.runtime.query(Actor("admin", "admin")).page(1, 10)[0][0].id
    assert assert_replays(engine, case_id).status == "terminated"


def test_replay_finds_a_trail_edited_to_another_decision(food_case, deployed):
    """The attacker rewrites the first decision from 退回 to 准予 and re-hashes the chain:
    the chain verifies, the replay does not."""
    seq = [e.seq for e in deployed.history.trail(food_case.id)
           if e.type == "task_completed" and e.element_id == "decide"][0]
    edited = dict(event_row(deployed, food_case.id, seq).data)
    edited["submitted"] = {**edited["submitted"], "decision": "approve"}
    set_data(deployed, food_case.id, seq, edited)
    rehash_chain(deployed, food_case.id)
    assert deployed.history.verify(food_case.id).intact  # no digest yet: the chain alone cannot tell
    result = deployed.history.replay(food_case.id)
    assert not result.ok
    assert f"第 {seq + 1} 条事件不一致" in result.divergence["message"]


def test_replay_finds_an_edited_gateway_branch(food_case, deployed):
    seq = seq_of(deployed, food_case.id, "gateway_passed", 0)
    edited = dict(event_row(deployed, food_case.id, seq).data)
    edited["taken"] = [{"element_id": "end_refused", "name": "不予受理"}]
    set_data(deployed, food_case.id, seq, edited)
    result = deployed.history.replay(food_case.id)
    assert not result.ok and f"第 {seq} 条事件" in result.divergence["message"]


def test_replay_finds_a_state_changed_behind_the_engine(food_case, deployed):
    raw(deployed, ('UPDATE "case" SET status = \'terminated\' WHERE id = :c', {"c": food_case.id}))
    result = deployed.history.replay(food_case.id)
    assert not result.ok and "最终状态" in result.divergence["message"]


def test_cli_replay(food_case, deployed, database_url):
    proc = tongban(database_url, "audit", "replay", str(food_case.id))
    assert "重演一致" in proc.stdout


def test_replay_multi_instance_tasks_completed_out_of_order(engine):
    """Three instances of one element are open at once: each submission goes to its own instance."""
    from .conftest import diagram

    engine.repository.deploy_paths([diagram("defects", "mi_loop.bpmn")])
    admin = Actor("admin", "admin")
    case = engine.runtime.start("mi_loop", PERSON)
    for round_, reviewers in enumerate([["李审查", "王审查", "赵审查"], ["钱审查", "孙审查"]]):
        [accept] = [t for t in engine.tasks.for_case(case.id) if t.element_id == "accept"]
        engine.tasks.complete(accept.id, admin, {"reviewers": reviewers, "signers": ["科长"]})
        for n, task in reversed(list(enumerate(t for t in engine.tasks.for_case(case.id)
                                                if t.element_id == "countersign"))):
            engine.tasks.complete(task.id, admin, {"opinion": {"round": round_, "n": n}})
        [signoff] = [t for t in engine.tasks.for_case(case.id) if t.element_id == "signoff"]
        engine.tasks.complete(signoff.id, admin, {"signoff_item": "同意"})
        [decide_] = [t for t in engine.tasks.for_case(case.id) if t.element_id == "decide"]
        engine.tasks.complete(decide_.id, admin, {"decision": "return" if round_ == 0 else "approve"})
    assert assert_replays(engine, case.id).status == "completed"


def test_cli_export_and_check_the_file(food_case, deployed, database_url, tmp_path):
    path = tmp_path / "trail.json"
    tongban(database_url, "audit", "export", str(food_case.id), "-o", str(path))
    assert "导出文件完整" in tongban(database_url, "audit", "check", str(path)).stdout
    exported = json.loads(path.read_text(encoding="utf-8"))
    exported["events"][3]["data"]["submitted"]["acceptance"] = "refuse"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    proc = tongban(database_url, "audit", "check", str(path), check=False)
    assert proc.returncode == 1 and "第 4 条事件" in proc.stdout


def test_replay_reports_a_trail_it_cannot_feed(food_case, deployed):
    """Garbage put into a submission is a finding of the replay, never a crash."""
    seq = seq_of(deployed, food_case.id, "task_completed", 0)
    set_data(deployed, food_case.id, seq, {"submitted": ["not", "a", "dict"]})
    result = deployed.history.replay(food_case.id)
    assert not result.ok and result.divergence["message"]


def test_every_trail_event_has_a_chinese_name_on_the_pages():
    """A new event type must not reach auditors as 其他操作: trail.js names every one."""
    import re

    from engine.db import ROOT

    from engine.history import events

    types = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)}
    script = (ROOT / "admin" / "static" / "js" / "trail.js").read_text(encoding="utf-8")
    table = script[script.index("export const EVENT_NAMES = {"):script.index("};", script.index("EVENT_NAMES"))]
    named = dict(re.findall(r'(\w+): "([^"]+)"', table))
    assert types - set(named) == set()
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in named.values())
