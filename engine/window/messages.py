"""Recording what arrives (a supplement, an outside result) for a case: a clerk may deliver
a message only to a wait drawn in a lane of their groups; a wait with a ``formKey``
property checks the message's data with that form."""
from engine.errors import Forbidden, NothingWaiting

from .waiting import waiting


def check(step, actor, name, payload):
    """The payload to deliver (checked by the wait's form, if it has one)."""
    waits = [w for w in waiting(step.wf) if w["message"] == name and w["kind"] in ("receive", "message")]
    if not waits and actor.role != "clerk":
        return payload  # e.g. an event sub-process's message start: the engine decides
    if not waits:
        raise NothingWaiting(f"该办件当前没有等待「{name}」的环节", details={"message": name})
    wait = waits[0]
    # A wait drawn outside any lane is everyone's, as a task outside any lane is.
    if actor.role == "clerk" and wait["lane"] and wait["lane"] not in actor.groups:
        raise Forbidden("只有等待环节所在部门的人员可以登记", details={"message": name, "lane": wait["lane"]})
    if wait["form"]:
        form, _ = step.engine.repository.form(step.session, wait["form"])
        return form.validate(payload)
    return payload
