"""The working-day calendar: statutory holidays, adjusted weekends (调休), override files, gaps."""
import json
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from engine.calendar import BEIJING, WorkingCalendar
from engine.errors import CalendarMissing, InvalidInput

from .conftest import ROOT


@pytest.fixture
def cal():
    return WorkingCalendar()


def write(folder, name, data):
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_national_day_2026_and_its_adjusted_saturday(cal):
    assert not cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 7))
    assert cal.is_workday(date(2026, 9, 20))            # Sunday worked before the holiday
    assert cal.is_workday(date(2026, 10, 10))           # Saturday worked after it
    assert not cal.is_workday(date(2026, 10, 11))
    assert cal.add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert cal.add(date(2026, 9, 28), 5) == date(2026, 10, 10)
    assert cal.count(date(2026, 9, 30), date(2026, 10, 10)) == 3   # 10-08, 10-09, 10-10


def test_counting_skips_the_start_day_and_weekends(cal):
    assert cal.add(date(2026, 12, 1), 0) == date(2026, 12, 1)
    assert cal.add(date(2026, 12, 1), 5) == date(2026, 12, 8)       # Tue → next Tue
    assert cal.add(date(2026, 12, 4), 1) == date(2026, 12, 7)       # Fri → Mon
    due = cal.deadline(datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc), 5)
    assert due == datetime(2026, 12, 8, 23, 59, 59, tzinfo=BEIJING)
    assert cal.workdays_left(datetime(2026, 12, 7, 9, 0, tzinfo=BEIJING), due) == 1
    assert cal.workdays_left(datetime(2026, 12, 8, 9, 0, tzinfo=BEIJING), due) == 0
    assert cal.workdays_left(datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING), due) == -2


def test_the_repo_covers_2027_provisionally(cal):
    assert cal.covers(2027)
    assert cal.years[2027].status == "provisional"
    assert not cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 2, 5))         # 除夕 is a statutory day since 2025
    assert cal.add(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_year_with_no_data_is_an_error_not_a_weekend_guess(tmp_path):
    cal = WorkingCalendar(tmp_path)                      # package only: ends with 2026
    assert not cal.covers(2027)
    with pytest.raises(CalendarMissing) as err:
        cal.add(date(2026, 12, 30), 3)
    assert "2027" in err.value.message
    with pytest.raises(CalendarMissing):
        cal.is_workday(date(2027, 3, 3))


def test_override_file_across_the_year_boundary(tmp_path):
    write(tmp_path, "2027.json", {"year": 2027, "status": "official",
                                  "holidays": {"2027-01-01": "元旦", "2027-01-04": "补假"},
                                  "workdays": {"2027-01-09": "调休上班"}})
    cal = WorkingCalendar(tmp_path)
    assert cal.add(date(2026, 12, 31), 1) == date(2027, 1, 5)
    assert cal.is_workday(date(2027, 1, 9))              # a Saturday made a working day
    assert cal.name_of(date(2027, 1, 4)) == "补假"


def test_a_file_wins_over_the_package_and_local_days_apply(tmp_path):
    write(tmp_path, "2026.json", {"year": 2026, "holidays": {"2026-12-02": "更正"}, "workdays": {}})
    write(tmp_path, "local.json", {"holidays": {"2026-12-03": "系统升级闭厅"}, "workdays": {}})
    cal = WorkingCalendar(tmp_path)
    assert cal.years[2026].source == "2026.json"
    assert not cal.is_workday(date(2026, 12, 2)) and not cal.is_workday(date(2026, 12, 3))
    assert cal.is_workday(date(2026, 10, 1))             # the file replaced the whole year
    assert cal.add(date(2026, 12, 1), 1) == date(2026, 12, 4)


@pytest.mark.parametrize("name,data", [
    ("2027.json", {"year": 2028}),
    ("2027.json", {"year": 2027, "holidays": {"2027-02-30": "x"}}),
    ("2027.json", {"year": 2027, "holidays": {"2028-01-01": "x"}}),
    ("2027.json", {"year": 2027, "status": "guess"}),
    ("2027.json", [1, 2]),
])
def test_bad_override_files_are_refused_clearly(tmp_path, name, data):
    write(tmp_path, name, data)
    with pytest.raises(InvalidInput) as err:
        WorkingCalendar(tmp_path)
    assert name in err.value.message


@pytest.mark.parametrize("days", [-1, 10 ** 6, True, 2.5])
def test_day_counts_are_bounded(cal, days):
    with pytest.raises(InvalidInput):
        cal.add(date(2026, 12, 1), days)


def tongban(*args):
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_check_add_and_is_workday():
    out = tongban("calendar", "check")
    assert out.returncode == 0 and "2004–2027" in out.stdout and "2027  暂行" in out.stdout
    assert tongban("calendar", "add", "2026-09-30", "1").stdout.strip() == "2026-10-08"
    assert tongban("calendar", "is-workday", "2026-10-10").stdout.strip() == "yes"
    assert tongban("calendar", "is-workday", "2026-10-01").stdout.strip() == "no"
    gap = tongban("calendar", "add", "2027-12-30", "3")
    assert gap.returncode == 2 and "2028" in gap.stderr and "Traceback" not in gap.stderr
    bad = tongban("calendar", "add", "2026-02-30", "1")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_a_working_day_timer_becomes_a_calendar_date():
    from lxml import etree

    from engine.spiff.timers import BPMN_NS, normalize_timer_expressions

    tree = etree.fromstring(f'<definitions xmlns="{BPMN_NS}"><process id="p"><boundaryEvent id="b">'
                            '<timerEventDefinition><timeDuration>P5WD</timeDuration></timerEventDefinition>'
                            '</boundaryEvent></process></definitions>'.encode())
    assert normalize_timer_expressions(tree) == 1
    node = next(tree.iter(f"{{{BPMN_NS}}}timeDate"))
    assert node.text == "working_days_after(5)"
    assert not list(tree.iter(f"{{{BPMN_NS}}}timeDuration"))
