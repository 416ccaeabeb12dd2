"""Which rows of a decision table decided: kept on the task for the trail.

SpiffWorkflow's DMN engine returns only the merged outputs of the matched rules.
An auditor needs to know which rows matched (秒批: which rule approved), so
``install`` wraps ``DMNEngine.decide`` to note the matched rows in the task's
internal data, where the trail reads them (``matched_rows``).
"""
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy

KEY = "dmn_matched_rows"
_original_decide = DMNEngine.decide


def _decide_and_remember(self, task):
    rules = _original_decide(self, task)
    collect = self.decision_table.hit_policy == HitPolicy.COLLECT.value
    # Every hit policy but COLLECT takes its outputs from the first matched row only.
    task._set_internal_data(**{KEY: [
        {"row": rule.row_number, "id": rule.id, "description": rule.description or "",
         "outputs": rule.output_as_dict(task), "applied": collect or i == 0} for i, rule in enumerate(rules)]})
    return rules


def install():
    """Idempotent: wrap once."""
    if DMNEngine.decide is _original_decide:
        DMNEngine.decide = _decide_and_remember


def matched_rows(task):
    return task._get_internal_data(KEY) or []
