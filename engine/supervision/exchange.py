"""办件过程状态 for exchange with provincial and national platforms: each state
change of a case, read off its trail, under the names the exchange tables use.

The mapping reads the trail, so it is the same for every matter and needs no
diagram change; the outcome of an ended case decides how it ended.
"""
from engine import history
from engine.supervision.clock import PAUSE_AT_ELEMENT

RECEIVED, ACCEPTED, REFUSED = "received", "accepted", "refused"
NAMES = {
    RECEIVED: "已接件", ACCEPTED: "已受理", REFUSED: "不予受理",
    "correction_started": "补正开始", "correction_ended": "补正结束",
    "special_started": "特别程序开始", "special_ended": "特别程序结束",
    "approved": "办结（通过）", "approved_tolerated": "办结（容缺通过）", "denied": "办结（不通过）",
    "withdrawn": "撤回", "revoked": "撤销", "terminated": "终止",
}
# Outcomes (end events' `outcome` property) and how they end a case.
ENDINGS = {"准予": "approved", "不予许可": "denied", "不予受理": REFUSED, "逾期未补正": "denied",
           "撤回": "withdrawn", "撤销": "revoked"}
SIMPLE = {history.CASE_STARTED: RECEIVED, history.CLOCK_STARTED: ACCEPTED,
          history.SPECIAL_PROCEDURE_STARTED: "special_started", history.SPECIAL_PROCEDURE_ENDED: "special_ended",
          "correction_opened": "correction_started", "correction_answered": "correction_ended"}


def status_history(case, events):
    """[(code, name, at, seq)] of one case, oldest first."""
    out, tolerated = [], False
    for event in events:
        code = SIMPLE.get(event.type)
        if event.type == history.CLOCK_PAUSED and (event.data or {}).get("reason") == PAUSE_AT_ELEMENT:
            tolerated = True
        if event.type in (history.CASE_COMPLETED, history.CASE_TERMINATED):
            outcome = (event.data or {}).get("outcome") or case.outcome
            code = ENDINGS.get(outcome) or ("terminated" if event.type == history.CASE_TERMINATED else "approved")
            if code == "approved" and tolerated:
                code = "approved_tolerated"
        if code:
            out.append({"code": code, "name": NAMES[code], "at": event.at, "seq": event.seq})
    return out
