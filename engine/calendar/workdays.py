"""The working-day calendar (工作日, 行政许可法 §82): statutory holidays and
adjusted working weekends (调休).

Years come from the maintained ``chinesecalendar`` package, which carries the
State Council's yearly notices; a year the package does not cover yet comes
from an override file ``processes/calendar/<year>.json`` kept in git (a file
also wins over the package, so a correction needs no release). ``local.json``
adds the service centre's own closed and extra-open days. A count that reaches
a year with no data raises :class:`CalendarMissing`; it never guesses weekends.

Days are Beijing dates. "N working days after D" does not count D itself: a
case accepted on a Tuesday with a one-day limit is due at the end of Wednesday.
"""
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from engine.errors import CalendarMissing, InvalidInput

BEIJING = timezone(timedelta(hours=8))
ROOT = Path(__file__).resolve().parents[2]
MAX_DAYS = 3660  # ten years of working days: anything longer is a typo


def calendar_dir():
    return Path(os.environ.get("TONGBAN_CALENDAR_DIR") or ROOT / "processes" / "calendar")


@dataclass(frozen=True)
class Year:
    year: int
    source: str            # "chinesecalendar" or the override file's name
    status: str            # official | provisional
    note: str = ""


class WorkingCalendar:
    def __init__(self, directory=None):
        self.directory = Path(directory) if directory else calendar_dir()
        self.holidays, self.workdays, self.years = {}, {}, {}
        self._load_package()
        self._load_files()

    # ---- loading ------------------------------------------------------------

    def _load_package(self):
        from chinese_calendar import constants

        years = {d.year for d in constants.holidays}
        for year in range(min(years), max(years) + 1):
            self.years[year] = Year(year, "chinesecalendar", "official")
        self.holidays.update({d: _holiday_name(v) for d, v in constants.holidays.items()})
        self.workdays.update({d: _holiday_name(v) + "调休上班" for d, v in constants.workdays.items()})

    def _load_files(self):
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.json")):
            data = _read(path)
            if path.stem == "local":
                self.holidays.update(_dates(data, "holidays", path))
                for day in _dates(data, "workdays", path):
                    self.holidays.pop(day, None)
                self.workdays.update(_dates(data, "workdays", path))
                continue
            year = data.get("year")
            if not isinstance(year, int) or path.stem != str(year):
                raise InvalidInput(f"日历文件 {path.name} 的 year 应为 {path.stem}", details={"file": str(path)})
            status = data.get("status", "official")
            if status not in ("official", "provisional"):
                raise InvalidInput(f"日历文件 {path.name} 的 status 应为 official 或 provisional",
                                   details={"file": str(path)})
            # The file replaces whatever the package says about its year.
            for table in (self.holidays, self.workdays):
                for day in [d for d in table if d.year == year]:
                    del table[day]
            for key, table in (("holidays", self.holidays), ("workdays", self.workdays)):
                for day, name in _dates(data, key, path).items():
                    if day.year != year:
                        raise InvalidInput(f"日历文件 {path.name} 含有其他年份的日期 {day}", details={"file": str(path)})
                    table[day] = name
            self.years[year] = Year(year, path.name, status, data.get("source", ""))

    # ---- questions ----------------------------------------------------------

    def covers(self, year):
        return year in self.years

    def _require(self, day):
        if day.year not in self.years:
            known = sorted(self.years)
            raise CalendarMissing(
                f"工作日历没有 {day.year} 年的数据，无法计算工作日；请在 processes/calendar/{day.year}.json 补充该年的节假日安排",
                details={"year": day.year, "covered": f"{known[0]}–{known[-1]}" if known else ""})

    def is_workday(self, day):
        day = _as_date(day)
        self._require(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, day, n):
        """The ``n``-th working day after ``day`` (``day`` itself not counted); n = 0 gives ``day``."""
        day = _as_date(day)
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_DAYS:
            raise InvalidInput(f"工作日数应为 0–{MAX_DAYS} 的整数", details={"days": n})
        while n:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def back(self, day, n):
        """The ``n``-th working day before ``day``."""
        day = _as_date(day)
        while n > 0:
            day -= timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def end_of(self, day):
        """The last second of a Beijing day, as an aware UTC datetime."""
        return datetime.combine(_as_date(day), time(23, 59, 59), BEIJING).astimezone(timezone.utc)

    def count(self, start, end):
        """Working days in (start, end]: how many a pause from ``start`` to ``end`` used up."""
        start, end = _as_date(start), _as_date(end)
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            n += self.is_workday(day)
        return n

    def deadline(self, start, n):
        """End of the ``n``-th working day after the Beijing date of ``start`` (an aware UTC datetime)."""
        return self.end_of(self.add(start, n))

    def workdays_left(self, now, due):
        """Working days from ``now`` until ``due``: 0 on the due day itself, negative once overdue."""
        today, last = _as_date(now), _as_date(due)
        if today <= last:
            return self.count(today, last)
        return -self.count(last, today)

    def name_of(self, day):
        day = _as_date(day)
        return self.workdays.get(day) or self.holidays.get(day) or ("周末" if day.weekday() >= 5 else "工作日")

    def report(self):
        """Covered years, oldest first, with where each comes from."""
        return [self.years[y] for y in sorted(self.years)]


def _as_date(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("时间必须带时区")
        return value.astimezone(BEIJING).date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{text[:40]}", details={"date": text[:40]}) from None
    return moment.astimezone(BEIJING).date() if moment.tzinfo else moment.date()


def _holiday_name(value):
    from chinese_calendar.constants import Holiday
    try:
        return Holiday(value).chinese
    except ValueError:
        return str(value)


def _read(path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"日历文件 {path.name} 无法读取：{exc}", details={"file": str(path)}) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"日历文件 {path.name} 应为 JSON 对象", details={"file": str(path)})
    return data


def _dates(data, key, path):
    table = data.get(key) or {}
    if not isinstance(table, dict):
        raise InvalidInput(f"日历文件 {path.name} 的 {key} 应为 {{日期: 名称}}", details={"file": str(path)})
    out = {}
    for text, name in table.items():
        try:
            out[date.fromisoformat(text)] = str(name)
        except ValueError:
            raise InvalidInput(f"日历文件 {path.name} 的日期 {text} 格式不对（应为 YYYY-MM-DD）",
                               details={"file": str(path)}) from None
    return out


_calendar = None


def calendar():
    """The process-wide calendar, read once from the package and the override files."""
    global _calendar
    if _calendar is None:
        _calendar = WorkingCalendar()
    return _calendar
