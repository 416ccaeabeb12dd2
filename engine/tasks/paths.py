"""Where a case has been: the paths 退回 and 撤回 walk in SpiffWorkflow's task tree.

The tree records one branch of a parallel block as the ancestor of what follows its
join; the other branches hang below the split, ending in the join tokens that the
join consumed (the engine's join records them, ``internal_data["joined"]``). So the
*logical* path to a task is its tree ancestry plus, at each join on it, the other
consumed branches up to their split.

A return to an earlier step restarts that step (``reset_from_task_id``: its
subtree, with every open task and join token in it, is dropped). When a join lies
between the step and the current task and the step is inside that join's parallel
block, every other branch of the block restarts at its first step too, so the
join starts with no tokens and waits for all branches again.
"""
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from engine.spiff.fixes import InclusiveGateway, ParallelGateway, _common_ancestor


def unit(task):
    """The step a task belongs to: a multi-instance step's instances are one step."""
    if task.parent is not None and isinstance(task.parent.task_spec, MultiInstanceTask) \
            and task.task_spec.name == task.parent.task_spec.task_spec:
        return task.parent
    return task


def is_user_step(task):
    """A user task, or a multi-instance step made of user tasks."""
    if isinstance(task.task_spec, MultiInstanceTask):
        return any(c.task_spec.manual and c.task_spec.name == task.task_spec.task_spec for c in task.children)
    return task.task_spec.manual


def is_join(task):
    return isinstance(task.task_spec, (ParallelGateway, InclusiveGateway)) and "joined" in task.internal_data


def joined_tokens(task):
    """The tokens a fired join consumed (itself among them), those still in the tree."""
    found = [task.workflow.tasks.get(UUID(i)) for i in task.internal_data.get("joined", [])]
    return [t for t in found if t is not None] or [task]


def logical_ancestors(task, stop=None):
    """Tasks on the way to ``task``, nearest first, with the branches every join gathered."""
    t = task.parent
    while t is not None and t is not stop:
        yield t
        if is_join(t):
            tokens = joined_tokens(t)
            split = _common_ancestor(tokens)
            for token in tokens:
                if token is not t:
                    yield token
                    yield from logical_ancestors(token, stop=split)
        t = t.parent


def earlier_steps(current):
    """{element_id: task} of the completed user steps before ``current``, in path order
    (the latest instance of each); a multi-instance step appears once."""
    here = unit(current)
    found = {}
    for t in logical_ancestors(here):
        if t.state != TaskState.COMPLETED or not is_user_step(t):
            continue
        step = unit(t)
        element = step.task_spec.bpmn_id
        if element and element != here.task_spec.bpmn_id and element not in found:
            found[element] = step
    return dict(reversed(found.items()))


def restart_points(current, target):
    """The tasks to reset so that the case goes back to ``target`` (first) without a stale token."""
    points = [target]
    _restarts_between(unit(current), target, points)
    seen, out = set(), []
    for p in points:
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


def _restarts_between(low, target, points):
    stop = _common_ancestor([low, target])
    t = low
    while t is not None and t is not stop:
        if is_join(t):
            tokens = joined_tokens(t)
            split = _common_ancestor(tokens)
            if target is not split and below(target, split):
                for token in tokens:
                    branch = _child_towards(split, token)
                    if branch is target or below(target, branch):
                        _restarts_between(token.parent, target, points)
                    else:
                        points.append(branch)
        t = t.parent


def below(task, ancestor):
    """Is ``task`` a strict descendant of ``ancestor`` (iteratively: loop trees are deep)."""
    t = task.parent
    while t is not None:
        if t is ancestor:
            return True
        t = t.parent
    return False


def _child_towards(ancestor, task):
    while task.parent is not None and task.parent is not ancestor:
        task = task.parent
    return task


def reset(wf, tasks):
    """Reset each task still in the tree (an earlier reset may have dropped it)."""
    for task in tasks:
        if task.id in wf.tasks:
            wf.reset_from_task_id(task.id)


# ---- 撤回 ---------------------------------------------------------------------------

def withdraw_plan(wf, task):
    """What follows ``task`` and how to take it back: (the tasks after it, the joins to undo).

    After it: its subtree, and the continuation of every join that consumed a token from
    its subtree (a join another branch fired after this one arrived, or this one fired).
    """
    mine = set(t.id for t in task)
    joins = [j for j in wf.tasks.values()
             if j.state == TaskState.COMPLETED and is_join(j)
             and any(UUID(i) in mine for i in j.internal_data["joined"])]
    after = [t for t in task if t is not task]
    for j in joins:
        after.extend(t for t in j if t is not j)
    return after, joins


def undo_joins(joins, task):
    """Put back the tokens the joins consumed from other branches and drop what followed them."""
    mine = set(t.id for t in task)
    for j in joins:
        top = j.workflow.top_workflow
        for t in [t for t in j if t is not j and t.id in top.subprocesses]:  # dropped below: so is its sub-workflow
            if t.id in top.subprocesses:
                top.delete_subprocess(t)
        j._drop_children(force=True)
        for token in joined_tokens(j):
            if token.id not in mine:
                token._set_state(TaskState.WAITING)
                token.internal_data.pop("joined", None)
