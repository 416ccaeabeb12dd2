"""What an applicant sees of their own cases: where the case is and what was decided,
never the clerks' logins, internal ids of tasks, lanes, review opinions or the hash chain.

Review opinions (审批意见) stay internal: the product shows them only on staff pages;
the applicant gets the outcome, the deadline, the correction notice addressed to them
and the names of the steps the case passed through.
"""
PUBLIC_EVENTS = {"case_started", "task_ready", "task_completed", "correction_opened", "correction_answered",
                 "attachment_added", "commitment_signed", "case_completed", "case_terminated"}
HIDDEN_CASE_FIELDS = ("started_by", "started_by_name", "definition", "opinions")


def case_for_applicant(body, submitted=None):
    """``submitted``: the data of the application (the clerks' working data stays internal)."""
    body = {k: v for k, v in body.items() if k not in HIDDEN_CASE_FIELDS}
    if "tasks" in body:
        body["tasks"] = [{"name": t["name"], "state": t["state"], "due_at": t.get("due_at")} for t in body["tasks"]]
    if "data" in body:
        body["data"] = submitted or {}
    if body.get("correction"):
        body["correction"] = correction_for_applicant(body["correction"])
    return body


def correction_for_applicant(notice):
    """The notice addressed to them, without the logins of who opened or recorded it."""
    fields = ("id", "open", "items", "reason", "opened_at", "answered_at", "answer")
    if isinstance(notice, dict):
        return {k: notice[k] for k in fields if k in notice}
    return {k: getattr(notice, k) for k in fields}


def trail_for_applicant(events):
    out = []
    for e in events:
        if e["type"] not in PUBLIC_EVENTS:
            continue
        data = e.get("data") or {}
        shown = {k: data[k] for k in ("name", "outcome", "materials") if k in data}
        if e["type"] == "attachment_added":
            shown = {"name": data.get("name"), "material": data.get("material")}
        out.append({"seq": e["seq"], "type": e["type"], "at": e["at"], "data": shown})
    return out
