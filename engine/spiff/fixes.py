"""Fixes for four SpiffWorkflow 3.2.0 defects that loops in approval diagrams run into.

1. A parallel join inside a return loop fired early from round 2: the library counted the
   cancelled join tasks of earlier rounds as arrived branches.
2. A parallel join let the stale copy of a variable, inherited by the branch that did not
   change it, overwrite the other branch's new value.
3. A multi-instance task could not be entered a second time while its output list existed.
4. Task iteration stopped at depth 1000, so a case stalled after about 170 loop rounds.

The engine uses these pieces (see the names at the bottom of the file):
``PARSER_CLASSES`` for its parser, ``register_converters(registry)`` for its serializer,
``Workflow`` instead of ``BpmnWorkflow`` and ``install()`` once at start-up.
"""

import inspect
from collections.abc import MutableMapping
from copy import deepcopy

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser, GatewayParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter, ParallelGatewayConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway as SpiffInclusiveGateway
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway as SpiffParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent as StartEventMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffMultiInstanceConverter
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessageEventDefinition
from SpiffWorkflow.spiff.specs.defaults import (
    ParallelMultiInstanceTask as SpiffParallelMultiInstanceTask,
    SequentialMultiInstanceTask as SpiffSequentialMultiInstanceTask,
)
from SpiffWorkflow.util.task import TaskIterator, TaskState


# ---------------------------------------------------------------------------
# Defects 1 and 2: the parallel (and inclusive) gateway
# ---------------------------------------------------------------------------

class ParallelGateway(SpiffParallelGateway):
    """A parallel join that counts tokens, not history.

    Each branch that reaches the join leaves one join task in WAITING: that task is the
    branch's token. The join fires when every incoming flow has a token, consumes those
    tokens and nothing else, so tasks from earlier loop rounds (COMPLETED or CANCELLED)
    are never counted. The library instead cancelled each waiting token on the next
    arrival and then had to tell this round's cancelled tokens from older ones by
    walking the tree, which it got wrong.

    The data leaving the join is a three-way merge: every branch contributes only the
    keys it changed relative to the point where the branches parted, so an unchanged
    stale copy in one branch cannot overwrite another branch's new value.
    """

    def _update_hook(self, my_task):
        if my_task.parent is None or my_task.parent.state != TaskState.COMPLETED:
            return False
        tokens = _tokens(self, my_task)
        arrived = {t.parent.task_spec for t in tokens}
        if any(spec not in arrived for spec in self.inputs):
            my_task._set_state(TaskState.WAITING)
            return False
        _consume(my_task, tokens)
        return True

    def _run_hook(self, my_task):
        # The data was merged when the join fired; the library's hook would merge
        # the parents of every finished join task of every round again.
        return True


class InclusiveGateway(SpiffInclusiveGateway):
    """An inclusive (OR) join that counts tokens, with the same three-way merge.

    The library's join had the parallel join's loop defects. This one fires when no
    task still holding a token (READY, WAITING, STARTED) can reach an incoming flow
    that has no token yet without passing through this gateway (BPMN 2.0, 13.4.3).
    """

    def _update_hook(self, my_task):
        if my_task.parent is None or my_task.parent.state != TaskState.COMPLETED:
            return False
        tokens = _tokens(self, my_task)
        arrived = {t.parent.task_spec for t in tokens}
        missing = {spec for spec in self.inputs if spec not in arrived}
        if missing and self._may_still_arrive(my_task, missing):
            my_task._set_state(TaskState.WAITING)
            return False
        _consume(my_task, tokens)
        return True

    def _may_still_arrive(self, my_task, missing):
        holders = {t.task_spec for t in my_task.workflow.tasks.values()
                   if t.state & TOKEN_STATES and t.task_spec is not self}
        return any(missing & self._reachable_inputs(spec) for spec in holders)

    def _reachable_inputs(self, start):
        """The inputs of this gateway that ``start`` can reach without passing through it."""
        cache = self.__dict__.setdefault('_reach_cache', {})
        if start.name not in cache:
            inputs, seen, todo, found = set(self.inputs), set(), [start], set()
            while todo:
                spec = todo.pop()
                if spec is self or spec.name in seen:
                    continue
                seen.add(spec.name)
                if spec in inputs:
                    found.add(spec)
                todo.extend(spec.outputs)
            cache[start.name] = found
        return cache[start.name]

    def _run_hook(self, my_task):
        # The library's hook merges every earlier round's join data before choosing the
        # outgoing flows; the merge already happened when the join fired.
        matches, defaults = self._get_matching_outputs(my_task)
        if not matches and not defaults:
            raise WorkflowTaskException('No conditions satisfied on gateway', task=my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True


# A task in one of these states holds a token; FUTURE / LIKELY / MAYBE are predictions.
TOKEN_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def _tokens(join, my_task):
    """The join's tokens: its WAITING tasks whose branch has arrived, ``my_task`` first."""
    return [my_task] + [
        t for t in my_task.workflow.tasks.values()
        if t.task_spec is join and t is not my_task and t.state == TaskState.WAITING
        and t.parent is not None and t.parent.state == TaskState.COMPLETED
    ]


def _consume(my_task, tokens):
    """Consume one token per arrived flow (this task's, then the earliest) and merge their data."""
    consumed, seen = [], set()
    for token in [my_task] + sorted(tokens[1:], key=lambda t: t.last_state_change):
        if token.parent.task_spec not in seen:
            seen.add(token.parent.task_spec)
            consumed.append(token)
    for token in consumed:
        if token is not my_task:
            token.cancel()
    # Which tokens this firing consumed: 退回 and 撤回 find the branches that met here from it.
    my_task.internal_data["joined"] = [str(t.id) for t in consumed]
    my_task.data = merge_branches([t.parent for t in consumed])


def merge_branches(tails):
    """Data after a join of the branches ending in ``tails`` (in order of completion).

    Starts from the data where the branches parted (their nearest common ancestor)
    and applies each branch's own changes, so the last branch to change a key wins
    and a key no branch changed keeps its value from before the split.
    """
    tails = sorted(tails, key=lambda t: t.last_state_change)
    fork = _common_ancestor(tails)
    base = fork.data if fork is not None else {}
    merged = deepcopy(base)
    for tail in tails:
        _apply_changes(merged, base, tail.data)
    return merged


def _apply_changes(target, base, branch):
    """Copy into ``target`` what ``branch`` changed relative to ``base``; dicts recursively."""
    for key, value in branch.items():
        if key in base and value == base[key]:
            continue
        old = base[key] if key in base else {}  # a dict two branches created is merged too
        current = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and isinstance(current, dict):
            _apply_changes(current, old, value)
        else:
            target[key] = deepcopy(value)
    for key in base:
        if key not in branch:
            target.pop(key, None)


def _common_ancestor(tasks):
    """Nearest task that is an ancestor-or-self of all ``tasks``.

    Walks up from all tasks in step, so the cost depends on the branch lengths,
    not on how deep the loop has made the tree.
    """
    reached = {}
    cursors = list(tasks)
    while any(c is not None for c in cursors):
        for i, task in enumerate(cursors):
            if task is None:
                continue
            hits = reached.setdefault(task.id, set())
            hits.add(i)
            if len(hits) == len(tasks):
                return task
            cursors[i] = task.parent
    return None


# ---------------------------------------------------------------------------
# Defect 3: re-entering a multi-instance task
# ---------------------------------------------------------------------------

class FreshOutputMixin:
    """Every entry into a multi-instance task starts a new output collection.

    On re-entry (after a return for correction) the previous round's output list is
    still in the data and the library refused to run; the previous round's input and
    output items may also be left in the data when the task has no output collection.
    """

    def _update_hook(self, my_task):
        self._drop_leftover_items(my_task)
        return super()._update_hook(my_task)

    def init_data_output_with_input_data(self, my_task, input_data):
        if self.data_output.exists(my_task):
            output = self.data_output.get(my_task)
            if output is not input_data:  # an output updated in place is kept
                self.data_output.set(my_task, _empty_like(output))
        super().init_data_output_with_input_data(my_task, input_data)

    def init_data_output_with_cardinality(self, my_task):
        # Replaces the library's version, which names an undefined ``data_ouput``.
        output = self.data_output.get(my_task) if self.data_output.exists(my_task) else None
        self.data_output.set(my_task, {} if isinstance(output, MutableMapping) else [])

    def check_completion_condition(self, my_task):
        """Evaluate the completion condition with the counters Camunda/Flowable conditions use
        (``${nrOfCompletedInstances/nrOfInstances >= 0.5}``); case data of the same name wins."""
        merged = my_task.internal_data.get('merged', [])
        if not merged or self.condition is None:
            return None
        instances = list(self._instances(my_task))
        last_child = next(c for c in instances if str(c.id) == merged[-1])
        total = len(instances) + len(my_task.internal_data.get('remaining') or [])
        counters = {'nrOfInstances': total, 'nrOfCompletedInstances': len(merged),
                    'nrOfActiveInstances': len(instances) - len(merged), 'loopCounter': len(merged)}
        counters = {k: v for k, v in counters.items() if k not in last_child.data}
        return my_task.workflow.script_engine.evaluate(last_child, self.condition, external_context=counters)

    def _drop_leftover_items(self, my_task):
        items = [i for i in (self.input_item, self.output_item) if i is not None and i.exists(my_task)]
        if items and _has_ancestor_with_spec(my_task, self):
            for item in items:
                my_task.data.pop(item.bpmn_id, None)


def _empty_like(collection):
    try:
        return collection.__class__()
    except TypeError:
        return []


def _has_ancestor_with_spec(task, spec):
    task = task.parent
    while task is not None:
        if task.task_spec is spec:
            return True
        task = task.parent
    return False


class ParallelMultiInstanceTask(FreshOutputMixin, SpiffParallelMultiInstanceTask):

    def create_children(self, my_task):
        # The library iterates a missing input (a TypeError naming nothing): say what is missing, and where.
        if self.data_input is not None and not self.data_input.exists(my_task):
            self.raise_data_exception("Missing data input for multiinstance task", my_task)
        super().create_children(my_task)


class SequentialMultiInstanceTask(FreshOutputMixin, SpiffSequentialMultiInstanceTask):
    pass


def _with_fixed_multi_instance(parser_class):
    """A subclass of a Spiff task parser that builds our multi-instance classes."""
    return type(parser_class.__name__, (parser_class,), {
        'PARALLEL_MI_CLASS': ParallelMultiInstanceTask,
        'SEQUENTIAL_MI_CLASS': SequentialMultiInstanceTask,
    })


# ---------------------------------------------------------------------------
# Defect 4: the depth limit of task iteration
# ---------------------------------------------------------------------------

UNLIMITED = float('inf')


def install():
    """Lift the 1000-level depth limit of task iteration; safe to call any number of times.

    A patch, because library internals (is_completed, cancel, the end join, Task.__iter__)
    build TaskIterator with its default max_depth directly, out of reach of any subclass.
    """
    for cls in (TaskIterator, BpmnTaskIterator):
        _set_default(cls.__init__, 'max_depth', UNLIMITED)
    SpiffMessageEventDefinition.update_task_data = _message_payload_into_task_data
    if not getattr(StartEventMixin._run_hook, '_interrupts', False):
        StartEventMixin._run_hook = _interrupting_start(StartEventMixin._run_hook)


def _interrupting_start(run_hook):
    """Defect 5: SpiffWorkflow 3.2 ignores ``isInterrupting``: an interrupting event sub-process
    (撤回 drawn as a message event sub-process) left the rest of its scope running.

    When the start event of an event sub-process fires and the sub-process is interrupting
    (the deploy step records the start event's ``isInterrupting`` as a property of the
    sub-process), every other unfinished task of the enclosing scope is cancelled, as
    BPMN 2.0 (10.3.6) defines; a non-interrupting one runs beside the scope as before.
    A patch, because the parser builds the library's start event class directly.
    """
    def _run_hook(self, my_task):
        result = run_hook(self, my_task)
        workflow = my_task.workflow
        parent_id = getattr(workflow, 'parent_task_id', None)
        if parent_id is not None:
            owner = workflow.top_workflow.get_task_from_id(parent_id)
            props = (getattr(owner.task_spec, 'extensions', None) or {}).get('properties', {})
            # (Spiff's parser builds event sub-processes as plain sub-workflow tasks.)
            if isinstance(owner.task_spec, SubWorkflowTaskMixin) and props.get('isInterrupting') == 'true':
                _cancel_scope_except(owner)
        return result
    _run_hook._interrupts = True
    return _run_hook


def _cancel_scope_except(owner):
    """Cancel every unfinished task of ``owner``'s workflow that is not ``owner`` or one of its ancestors."""
    keep, task = set(), owner
    while task is not None:
        keep.add(task.id)
        task = task.parent
    for task in list(owner.workflow.tasks.values()):
        if task.id not in keep and task.state & TaskState.NOT_FINISHED_MASK and not _has_ancestor(task, owner):
            task.cancel()


def _has_ancestor(task, ancestor):
    task = task.parent
    while task is not None:
        if task is ancestor:
            return True
        task = task.parent
    return False


def _message_payload_into_task_data(self, my_task):
    """Spiff's message drops its payload unless a messageVariable is named; keep it.

    A patch because the parser builds this event definition class directly.
    """
    payload = my_task.internal_data.pop(self.name, None)
    if self.message_var is not None:
        my_task.data[self.message_var] = payload
    elif isinstance(payload, dict):
        my_task.data.update(payload)


def _set_default(func, name, value):
    params = [p for p in inspect.signature(func).parameters.values()
              if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is not p.empty]
    defaults = list(func.__defaults__)
    defaults[[p.name for p in params].index(name)] = value
    func.__defaults__ = tuple(defaults)


# ---------------------------------------------------------------------------
# The interface used by the engine
# ---------------------------------------------------------------------------

class Workflow(BpmnWorkflow):
    """The workflow class the engine runs.

    It makes sure the depth fix is installed, and it keeps the cost of a step from
    growing with the loop rounds behind it: every loop round adds to the task tree,
    and the library answers "which tasks are READY / WAITING" by walking the whole
    tree from the root on every step. All unfinished tasks lie below their nearest
    common ancestor (the frontier), so such questions are answered from there: same
    tasks, same order, without re-reading the case's history.
    """

    def __init__(self, *args, **kwargs):
        install()
        super().__init__(*args, **kwargs)
        self.task_removed_event.connect(_forget_removed)

    def get_tasks_iterator(self, first_task=None, **kwargs):
        if first_task is None and _only_unfinished(kwargs):
            first_task = self.frontier()
        return super().get_tasks_iterator(first_task, **kwargs)

    def update_waiting_tasks(self):
        # Called by the library after every completed task.
        for task in TaskIterator(self.frontier(), state=TaskState.WAITING):
            task.task_spec._update(task)

    def frontier(self):
        """The nearest common ancestor of all unfinished tasks (the root if there are none)."""
        open_tasks = [t for t in self.tasks.values() if t._state & TaskState.NOT_FINISHED_MASK]
        return (open_tasks and _common_ancestor(open_tasks)) or self.task_tree


def _forget_removed(workflow, task):
    """Defect 6: a waiting catch event (a boundary timer) that a reset drops (退回, 撤回 past
    it) stayed registered for its event, and the next timer refresh failed on a task that
    has no parent any more. Sub-workflows report their removals to the top workflow too."""
    workflow.top_workflow.event_manager.remove_task(task)


def _only_unfinished(kwargs):
    task_filter = kwargs.get('task_filter')
    state = task_filter.state if task_filter is not None else kwargs.get('state', TaskState.ANY_MASK)
    return state & TaskState.FINISHED_MASK == 0


PARSER_CLASSES = {
    full_tag('parallelGateway'): (GatewayParser, ParallelGateway),
    full_tag('inclusiveGateway'): (ConditionalGatewayParser, InclusiveGateway),
    **{
        tag: (_with_fixed_multi_instance(parser), spec)
        for tag, (parser, spec) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()
        if hasattr(parser, 'PARALLEL_MI_CLASS')
    },
}


def register_converters(registry):
    """Teach a registry from ``BpmnWorkflowSerializer.configure(SPIFF_CONFIG)`` our classes.

    They keep the library's type names, so stored cases and specs, whoever wrote them,
    come back as the fixed classes, and the JSON stays readable by plain SpiffWorkflow.
    """
    ParallelGatewayConverter(ParallelGateway, registry, typename='ParallelGateway')
    ConditionalGatewayConverter(InclusiveGateway, registry, typename='InclusiveGateway')
    SpiffMultiInstanceConverter(ParallelMultiInstanceTask, registry, typename='ParallelMultiInstanceTask')
    SpiffMultiInstanceConverter(SequentialMultiInstanceTask, registry, typename='SequentialMultiInstanceTask')
    BpmnWorkflowConverter(Workflow, registry, typename='BpmnWorkflow')
    return registry
