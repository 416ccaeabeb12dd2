"""Timer expressions as modelers write them, read against the engine's clock.

SpiffWorkflow evaluates the text of ``timeDuration`` / ``timeDate`` /
``timeCycle`` as a Python expression, so an analyst's ``P5D`` fails. Before a
diagram reaches the parser, :func:`normalize_timer_expressions` turns every
ISO 8601 literal into a quoted string and leaves real expressions alone.

``install_clock`` makes Spiff's timers read :data:`engine.clock.clock`.
"""
import re

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Iso

from engine.clock import ClockDatetime
from engine.errors import DefinitionInvalid

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TIMER_TAGS = ("timeDuration", "timeDate", "timeCycle")
# A cycle fires at most once a minute: R/PT0S would refire in one unit of work until a cap stops it.
MIN_CYCLE_SECONDS = 60

# What an ISO literal may contain; anything else (letters of a variable name,
# quotes, parentheses, %) makes the text an expression.
_ISO_SHAPE = re.compile(r"[0-9PYMWDTHSRZ:.,+\-/]+")
# Working days (工作日), a Tongban extension of ISO durations: P5WD = end of the 5th working day.
_WORKING_DAYS = re.compile(r"P(\d{1,4})WD")
_NAIVE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d+)?)?)?)?")


_parse_cycle = Iso.parse_iso_recurring_interval


def _kind_of(text):
    """Which timer element an ISO literal fits, or None if Spiff cannot parse it."""
    try:
        if text.startswith("R"):
            _parse_cycle(text)
            return "timeCycle"
        if text.startswith("P"):
            Iso.parse_iso_duration(text)
            return "timeDuration"
        Iso.parse_time_or_duration(text)
        return "timeDate"
    except Exception:
        return None


def is_iso_literal(text, kind=None):
    """True if ``text`` is an unquoted ISO 8601 literal SpiffWorkflow can parse.

    ``kind`` ("timeDuration", "timeDate" or "timeCycle") also requires it to
    fit that element.
    """
    text = (text or "").strip()
    if not _ISO_SHAPE.fullmatch(text) or not (text[0] in "PR" or text[0].isdigit()):
        return False
    if not any(c.isdigit() for c in text):  # "P" or "D" alone is a variable name
        return False
    found = _kind_of(text)
    return found is not None and (kind is None or found == kind)


def _with_offset(part, tz):
    """Give a naive date/datetime an explicit offset (analysts mean Beijing time)."""
    if not _NAIVE_DATETIME.fullmatch(part):
        return part
    if "T" not in part:
        part += "T00:00:00"
    return part + tz


def normalize_timer_expressions(tree, tz="+08:00"):
    """Quote every ISO 8601 timer literal in an lxml BPMN tree; return how many changed.

    Naive dates and datetimes get ``tz`` appended, because Spiff would read
    them in the server's local zone. ``P5WD`` (working days) becomes a
    ``timeDate`` computed by the working-day calendar when the timer starts. An ISO literal in the wrong element
    (a date in ``timeDuration``) is a deploy-time error.
    """
    changed = 0
    for node in list(tree.iter(f"{{{BPMN_NS}}}timeDuration")):
        working = _WORKING_DAYS.fullmatch((node.text or "").strip())
        if working:
            # A date, not a duration: the deadline is fixed by the calendar when the timer starts.
            node.tag = f"{{{BPMN_NS}}}timeDate"
            node.text = f"working_days_after({int(working.group(1))})"
            changed += 1
    for tag in TIMER_TAGS:
        for node in tree.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            if not is_iso_literal(text):
                continue
            if not is_iso_literal(text, tag):
                raise DefinitionInvalid(
                    f"定时器 {tag} 的取值 {text} 与类型不符",
                    details=f"ISO 8601 literal {text!r} is not valid in bpmn:{tag} (line {node.sourceline})")
            if tag == "timeDate":
                text = _with_offset(text, tz)
            elif tag == "timeCycle":
                text = "/".join(_with_offset(p, tz) for p in text.split("/"))
                _check_cycle(text, node)
            node.text = repr(text)
            changed += 1
    return changed


def _check_cycle(text, node):
    _, _, period = _parse_cycle(text)
    if period.total_seconds() < MIN_CYCLE_SECONDS:
        raise DefinitionInvalid(
            f"循环定时器 {text} 的周期不能短于 {MIN_CYCLE_SECONDS} 秒",
            details=f"timeCycle period {period} is under {MIN_CYCLE_SECONDS} s (line {node.sourceline})")


def install_clock():
    """Make SpiffWorkflow's timers read :data:`clock`. Idempotent.

    Spiff's timer module calls ``datetime.now(timezone.utc)`` on its module
    global ``datetime``; swapping that global is the only hook it offers.
    """
    spiff_timer.datetime = ClockDatetime
    Iso.parse_iso_recurring_interval = staticmethod(_checked_cycle)


def _checked_cycle(expression):
    """Spiff's cycle parser, refusing at run time what deployment refuses for literals
    (a cycle computed by an expression cannot be checked before it runs)."""
    from .scripting import SandboxViolation

    cycles, start, period = _parse_cycle(expression)
    if period.total_seconds() < MIN_CYCLE_SECONDS:
        raise SandboxViolation(f"循环定时器的周期不能短于 {MIN_CYCLE_SECONDS} 秒")
    return cycles, start, period
