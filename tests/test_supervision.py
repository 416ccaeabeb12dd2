"""Supervision (电子监察): case and step clocks in working days, pauses, cards, outcomes, figures."""
from datetime import date, datetime, timedelta

import pytest

from engine import Actor
from engine.calendar import BEIJING, WorkingCalendar, workdays
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import Case, CaseEvent
from tests.window_data import FOOD_COMPLETE, FOOD_TOLERATED, SUPPLEMENT

ADMIN = Actor("admin", "admin")
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))
OUTSIDER = Actor("police", "clerk", frozenset({"公安局"}))
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
FOOD_ACCEPT = FOOD_TOLERATED


def at(*args):
    return datetime(*args, tzinfo=BEIJING)


def end_of(y, m, d):
    return at(y, m, d, 23, 59, 59)


def ready(engine, case_id):
    return {t.element_id: t for t in engine.tasks.for_case(case_id)}


def work(engine, case_id, element, data):
    return engine.tasks.complete(ready(engine, case_id)[element].id, ADMIN, data)


def case_of(engine, case_id):
    with engine.db.read() as s:
        return s.get(Case, case_id)


def events(engine, case_id, type):
    with engine.db.read() as s:
        return [e.data for e in s.query(CaseEvent).filter_by(case_id=case_id, type=type).order_by(CaseEvent.seq)]


def test_the_clock_starts_at_acceptance_and_counts_working_days(deployed):
    deployed.clock.freeze(at(2026, 12, 4, 16, 0))                  # a Friday afternoon
    case = deployed.runtime.start("no_criminal_record", PERSON)
    assert case_of(deployed, case.id).clock_started_at is None      # received, not yet accepted
    accept = ready(deployed, case.id)["accept"]
    assert accept.due_at == end_of(2026, 12, 7)                     # 受理 within one working day: Monday
    deployed.clock.freeze(at(2026, 12, 7, 9, 0))
    work(deployed, case.id, "accept", {"acceptance": "accept"})
    row = case_of(deployed, case.id)
    assert row.clock_started_at == at(2026, 12, 7, 9, 0)
    assert row.promised_due_at == end_of(2026, 12, 8)               # 承诺 1 working day
    assert row.legal_due_at == end_of(2026, 12, 10)                 # 法定 3 working days
    assert events(deployed, case.id, "clock_started")[0]["legal_due"].startswith("2026-12-10T15:59:59")


def test_deadlines_skip_national_day_and_count_its_adjusted_saturday(deployed):
    deployed.clock.freeze(at(2026, 9, 30, 10, 0))
    case = deployed.runtime.start("food_business_license", COMPANY)
    work(deployed, case.id, "accept", FOOD_COMPLETE)
    row = case_of(deployed, case.id)
    # 5 working days after 09-30: 10-08, 10-09, 10-10 (Saturday worked), 10-12, 10-13.
    assert row.promised_due_at == end_of(2026, 10, 13)
    assert row.legal_due_at == datetime.combine(WorkingCalendar().add(date(2026, 9, 30), 20),
                                                datetime.max.time().replace(microsecond=0), BEIJING)


def test_cards_come_from_the_scheduler_once_per_transition(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    case = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, case.id, "accept", {"acceptance": "accept"})     # promised 12-02, legal 12-04
    assert case_of(deployed, case.id).card == ""                   # a 1-day promise gets no 预警: it would be noise
    assert deployed.supervision.scan() == 0                         # nothing due: no work
    deployed.clock.freeze(at(2026, 12, 3, 9, 0))
    assert deployed.supervision.scan() >= 1
    assert deployed.supervision.scan() == 0
    assert case_of(deployed, case.id).card == "yellow"
    review = ready(deployed, case.id)["review"]                     # its own 3-day limit: 12-04
    deployed.clock.freeze(at(2026, 12, 7, 9, 0))
    deployed.supervision.scan()
    deployed.supervision.scan()
    assert case_of(deployed, case.id).card == "red"
    case_cards = [e["card"] for e in events(deployed, case.id, "card_changed") if e["scope"] == "case"]
    assert case_cards == ["yellow", "red"]
    task_cards = [e["card"] for e in events(deployed, case.id, "card_changed") if e["scope"] == "task"
                  and e["name"] == "审查并决定"]
    assert task_cards == ["warning", "yellow"]
    assert ready(deployed, case.id)["review"].card == "yellow" and review.due_at == end_of(2026, 12, 4)


def test_an_overdue_task_stays_red_after_it_is_done(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    case = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, case.id, "accept", {"acceptance": "accept"})
    deployed.clock.freeze(at(2026, 12, 9, 9, 0))                   # review due 12-04 + 2 days → red
    deployed.supervision.scan()
    work(deployed, case.id, "review", {"decision": "approve", "review_opinion": "同意"})
    done = [t for t in deployed.tasks.for_case(case.id, states=None) if t.element_id == "review"][0]
    assert done.card == "red" and done.next_card_at is None


def test_a_special_procedure_pauses_the_clock_and_moves_the_deadline(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    case = deployed.runtime.start("food_business_license", COMPANY)
    work(deployed, case.id, "accept", FOOD_COMPLETE)
    before = case_of(deployed, case.id)
    assert before.promised_due_at == end_of(2026, 12, 8)
    with pytest.raises(Forbidden):
        deployed.supervision.start_special_procedure(case.id, "专家评审", "需专家论证", OUTSIDER)
    with pytest.raises(InvalidInput):
        deployed.supervision.start_special_procedure(case.id, "喝茶", "理由", ADMIN)
    deployed.clock.freeze(at(2026, 12, 2, 10, 0))
    deployed.supervision.start_special_procedure(case.id, "专家评审", "需专家论证", ADMIN)
    with pytest.raises(Conflict):
        deployed.supervision.start_special_procedure(case.id, "鉴定", "又一个", ADMIN)
    deployed.clock.freeze(at(2026, 12, 15, 9, 0))                  # long past the old deadline: no card while paused
    assert deployed.supervision.scan() == 0
    deployed.clock.freeze(at(2026, 12, 9, 16, 0))
    deployed.supervision.end_special_procedure(case.id, "专家意见已出具", ADMIN)
    after = case_of(deployed, case.id)
    assert after.paused_days == 5                                   # 12-03, 04, 07, 08, 09
    assert after.promised_due_at == end_of(2026, 12, 15)
    assert after.paused_at is None and after.card == ""              # warning only from 12-14
    with pytest.raises(Conflict):
        deployed.supervision.end_special_procedure(case.id, "", ADMIN)
    types = [e for e in events(deployed, case.id, "special_procedure_started")]
    assert types == [{"kind": "专家评审", "reason": "需专家论证"}]
    assert events(deployed, case.id, "clock_resumed")[0]["paused_days"] == 5


def test_waiting_for_a_tolerated_material_pauses_the_clock(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    case = deployed.runtime.start("food_business_license", COMPANY)
    work(deployed, case.id, "accept", FOOD_ACCEPT)                  # 容缺: wait_supplement is marked clock=pause
    row = case_of(deployed, case.id)
    assert row.paused_at is not None and row.pause_reason == "容缺等待"
    deployed.clock.freeze(at(2026, 12, 4, 11, 0))
    deployed.runtime.send_message(case.id, "supplement_received", SUPPLEMENT)
    row = case_of(deployed, case.id)
    assert row.paused_at is None and row.paused_days == 3
    assert row.promised_due_at == end_of(2026, 12, 11)


def test_outcomes_tell_a_refusal_from_an_approval(deployed):
    refused = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, refused.id, "accept", {"acceptance": "refuse", "refuse_reason": "非本辖区户籍"})
    assert case_of(deployed, refused.id).outcome == "不予受理"
    approved = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, approved.id, "accept", {"acceptance": "accept"})
    work(deployed, approved.id, "review", {"decision": "approve", "review_opinion": "同意"})
    work(deployed, approved.id, "deliver", {"delivery_method": "window", "certificate_number": "WF2026001",
                                            "recipient_id_number": PERSON["id_number"]})
    row = case_of(deployed, approved.id)
    assert row.status == "completed" and row.outcome == "准予"
    assert events(deployed, approved.id, "case_completed")[0]["outcome"] == "准予"


def test_a_calendar_gap_is_recorded_not_guessed(deployed, tmp_path, monkeypatch):
    monkeypatch.setattr(workdays, "_calendar", WorkingCalendar(tmp_path))   # package only: ends 2026
    deployed.clock.freeze(at(2026, 12, 28, 9, 0))
    case = deployed.runtime.start("food_business_license", COMPANY)
    work(deployed, case.id, "accept", FOOD_COMPLETE)
    row = case_of(deployed, case.id)
    assert row.legal_due_at is None and row.promised_due_at is None
    gap = events(deployed, case.id, "clock_unavailable")
    assert gap and gap[0]["year"] == 2027


def test_statistics_for_a_period(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    fast = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, fast.id, "accept", {"acceptance": "refuse", "refuse_reason": "非本辖区户籍"})
    slow = deployed.runtime.start("no_criminal_record", PERSON)
    work(deployed, slow.id, "accept", {"acceptance": "accept"})
    deployed.clock.freeze(at(2026, 12, 7, 9, 0))
    deployed.supervision.scan()
    figures = deployed.supervision.stats(ADMIN, start=date(2026, 12, 1), end=date(2026, 12, 7))
    assert figures["received"] == 2 and figures["ended"] == 1
    assert figures["per_day"][0] == {"date": "2026-12-01", "received": 2, "completed": 1}
    assert figures["rates"]["on_time"] == 1.0 and figures["rates"]["instant"] == 1.0
    assert figures["rates"]["online"] == 0.0
    assert [o["number"] for o in figures["overdue"]] == [case_of(deployed, slow.id).number]
    assert figures["open_cards"][0]["red"] == 1
    with pytest.raises(InvalidInput):
        deployed.supervision.stats(ADMIN, start=date(2026, 12, 7), end=date(2026, 12, 1))


def test_a_correction_notice_pauses_the_clock_until_answered(deployed):
    deployed.clock.freeze(at(2026, 12, 1, 9, 0))
    case = deployed.runtime.start("food_business_license", COMPANY)
    work(deployed, case.id, "accept", FOOD_COMPLETE)
    assert case_of(deployed, case.id).promised_due_at == end_of(2026, 12, 8)
    deployed.clock.freeze(at(2026, 12, 2, 10, 0))
    deployed.runtime.open_correction(case.id, ADMIN, [{"material": "营业执照", "problem": "复印件不清晰"}], "一次性告知")
    row = case_of(deployed, case.id)
    assert row.paused_at is not None and row.pause_reason == "补正"
    deployed.clock.freeze(at(2026, 12, 7, 15, 0))                 # Thu, Fri, Mon spent by the applicant
    deployed.runtime.answer_correction(case.id, ADMIN, {"licence_copy": "已补交"})
    row = case_of(deployed, case.id)
    assert row.paused_at is None and row.paused_days == 3
    assert row.promised_due_at == end_of(2026, 12, 11)
