"""Bounded state: earlier rounds of a loop leave the stored workflow state (the trail keeps them).

Each round of a loop adds its tasks to SpiffWorkflow's task tree, below the previous
round's, and the library never removes a finished task: the stored state, and every
load and save of it, grew with the rounds. What the engine still reads from finished
tasks is:

- the steps a case may be sent back to (退回) and taken back from (撤回): the latest
  finished instance of each element on the way to an open task, found through tree
  parents and the branches each join consumed (``engine.tasks.paths``);
- ``reset_from_task_id`` of such a task: its subtree and its parent's data;
- a join's consumed tokens (``internal_data["joined"]``) and the split where they parted;
- "was this element entered before" (a tree ancestor of the same element);
- migration: which elements the case has passed.

The end join (``<process>.EndJoin``) merges, when the case ends, the data of every
branch that already ended (a branch of a round that ran to an end event while the loop
went on): its tasks stay, with the tasks they hang from.

So ``prune`` cuts out a run of finished tasks on the way to the open tasks, with all
that hangs off it, when the run starts at an instance of some element and ends just
above a later instance of the same element (that instance then hangs where the first
one did, so every parent/child pair stays one the diagram has), and only when nothing
above changes: no open task, no latest instance of an element on any path to an open
task and no workflow ``last_task`` is removed; the reconnected task is itself no such
latest instance (a reset would give it other data); every join keeps all or none of
its tokens; every element still has a task; and walking up from each open task, tree
and join branches alike, meets the same latest instances in the same order. Task data
is stored as a delta to the parent's, so the reconnected task's delta is recomputed:
every task's data is what it was.

A pure function of the stored dict (``spiff.dump_state``), applied to the top workflow
and to each sub-workflow; sub-workflows of removed tasks go with them.
"""

COMPLETED, CANCELLED = 64, 256
FINISHED = COMPLETED | CANCELLED


def prune(state):
    """``state`` without the finished loop rounds nothing reads any more (a new dict;
    ``state`` itself is not changed). Returns ``state`` itself when there is nothing to cut."""
    removed = set()
    top = _prune_workflow(state, removed)
    subprocesses = state.get("subprocesses") or {}
    kept_subs, changed = {}, top is not state
    for key, sub in subprocesses.items():
        if key in removed:  # its task is gone: so is the sub-workflow and anything nested in it
            removed.update(sub.get("tasks", {}))
            changed = True
            continue
        pruned = _prune_workflow(sub, removed)
        changed |= pruned is not sub
        kept_subs[key] = pruned
    if not changed:
        return state
    out = dict(top)
    out["subprocesses"] = kept_subs
    return out


def _prune_workflow(dct, removed):
    tree = _Tree(dct)
    cuts = tree.cuts()
    if not cuts:
        return dct
    out = dict(dct)
    out["tasks"] = tree.apply(cuts)
    removed.update(set(dct["tasks"]) - set(out["tasks"]))
    return out


class _Tree:
    def __init__(self, dct):
        self.dct = dct
        self.tasks = dct["tasks"]
        self.root = dct.get("root")
        self.parent = {i: t["parent"] for i, t in self.tasks.items()}
        self.children = {i: [c for c in t["children"] if c in self.tasks] for i, t in self.tasks.items()}
        self.spec = {i: t["task_spec"] for i, t in self.tasks.items()}
        self.open = {i for i, t in self.tasks.items() if not t["state"] & FINISHED}
        self.joins = {i: [j for j in (t.get("internal_data") or {}).get("joined") or [] if j in self.tasks]
                      for i, t in self.tasks.items() if (t.get("internal_data") or {}).get("joined")}
        # Where the walks up start: each open task whose parent is finished (an open
        # parent is on its child's walk anyway).
        self.heads = sorted(i for i in self.open if self.parent[i] not in self.open)

    # ---- what must stay -----------------------------------------------------------

    def walks(self, parent, present):
        """For each head: the latest task of each element on its tree walk and on its
        logical walk (tree parents plus the branches each join consumed), in order."""
        out = []
        for head in self.heads:
            # Its own element is no step to go back to from itself (paths.earlier_steps);
            # only whether it ran before counts (a multi-instance entered again).
            own = self.spec[head]
            tree, seen, again, t = [], {own}, False, parent(head)
            while t is not None:
                again |= self.spec[t] == own
                if self.spec[t] not in seen:
                    seen.add(self.spec[t])
                    tree.append(t)
                t = parent(t)
            logical, seen = [], {own}
            for t in self._logical(head, None, parent, present):
                if self.spec[t] not in seen:
                    seen.add(self.spec[t])
                    logical.append(t)
            out.append((tuple(tree), tuple(logical), again))
        return out

    def _logical(self, task, stop, parent, present):
        # engine.tasks.paths.logical_ancestors on the stored dict (same order).
        t = parent(task)
        while t is not None and t != stop:
            yield t
            if t in self.joins:
                tokens = [j for j in self.joins[t] if present(j)] or [t]
                split = self._common_ancestor(tokens, parent)
                for token in tokens:
                    if token != t:
                        yield token
                        yield from self._logical(token, split, parent, present)
            t = parent(t)

    def _common_ancestor(self, tasks, parent):
        reached, cursors = {}, list(tasks)
        while any(c is not None for c in cursors):
            for n, t in enumerate(cursors):
                if t is None:
                    continue
                hits = reached.setdefault(t, set())
                hits.add(n)
                if len(hits) == len(tasks):
                    return t
                cursors[n] = parent(t)
        return None

    # ---- where to cut -----------------------------------------------------------------

    def runs(self):
        """Chains of finished tasks each with exactly one child that leads to an open task,
        each ending at the task below them (open, or where open tasks branch)."""
        bearing = set()
        for i in self.open:
            while i is not None and i not in bearing:
                bearing.add(i)
                i = self.parent[i]
        if self.root not in bearing:
            return []
        runs, stack = [], [self.root]
        while stack:
            node = stack.pop()
            run = [node]
            while node not in self.open:
                kids = [c for c in self.children[node] if c in bearing]
                if len(kids) != 1:
                    stack.extend(kids)
                    break
                node = kids[0]
                run.append(node)
            runs.append(run)
        return runs

    def cuts(self):
        """[(first task removed, task reconnected, its new parent)]: each cut removes the
        chain from the first down to just above the second, with what hangs off it."""
        if not self.open:
            return []
        original = self.walks(self.parent.get, self.tasks.__contains__)
        protected = {t for tree, logical, _ in original for t in tree + logical}
        if self.dct.get("last_task"):
            protected.add(self.dct["last_task"])
        # The workflow's end join merges, when the case ends, the data of every branch that
        # ended before (a non-interrupting event's path): those stay.
        protected.update(t for t in self.tasks if self.spec[t].endswith(".EndJoin"))
        cuts = []
        for run in self.runs():
            blocked = [t in protected or any(s in protected for s in self._side(run, n)) for n, t in enumerate(run)]
            k, m = 1, len(run) - 1  # never the run's first task: it has no parent in the run
            while k < m:
                j = self._match(run, k, m, protected, blocked)
                if j is not None and self._safe(cuts + [(run, k, j)], original):
                    cuts.append((run, k, j))
                    k = j + 1  # the next cut hangs its task below this one's
                else:
                    k += 1
        self.gone = self._removed(cuts)
        return [(run[k], run[j], run[k - 1]) for run, k, j in cuts]

    def _match(self, run, k, m, protected, blocked):
        """The farthest task below run[k] of the same element such that nothing between is
        protected and it can be reconnected (finished, not protected)."""
        best = None
        for j in range(k, m + 1):
            t = run[j]
            if j > k and self.spec[t] == self.spec[run[k]] and t not in self.open and t not in protected:
                best = j
            if j == m or blocked[j]:
                break
        return best

    def _side(self, run, j):
        """Everything hanging off run[j] except the way down the run."""
        out, stack = [], [c for c in self.children[run[j]] if j + 1 >= len(run) or c != run[j + 1]]
        while stack:
            t = stack.pop()
            out.append(t)
            stack.extend(self.children[t])
        return out

    def _removed(self, cuts):
        gone = set()
        for run, k, j in cuts:
            for n in range(k, j):
                gone.add(run[n])
                gone.update(self._side(run, n))
        return gone

    def _safe(self, cuts, original):
        gone = self._removed(cuts)
        if gone & self.open:
            return False
        for join, tokens in self.joins.items():  # a join keeps all its tokens or none
            if len({t in gone for t in [join, *tokens]}) > 1:
                return False
        kept_specs = {self.spec[t] for t in self.tasks if t not in gone}
        if any(self.spec[t] not in kept_specs for t in gone):
            return False
        moved = {run[j]: run[k - 1] for run, k, j in cuts}

        def parent(t):
            return moved.get(t, self.parent.get(t))

        return self.walks(parent, lambda t: t in self.tasks and t not in gone) == original

    # ---- cutting ----------------------------------------------------------------------

    def apply(self, cuts):
        gone = self.gone
        data = {}
        out = {}
        changed = {}
        for first, kept, above in cuts:
            node = dict(self.tasks[kept])
            node["parent"] = above
            node["delta"] = _delta(self._data(above, data), self._data(kept, data))
            node["data"] = {}
            changed[kept] = node
            up = dict(changed.get(above) or self.tasks[above])
            up["children"] = [kept if c == first else c for c in up["children"]]
            changed[above] = up
        for i, t in self.tasks.items():
            if i not in gone:
                out[i] = changed.get(i, t)
        return out

    def _data(self, i, cache):
        """The task's data as stored (converted values): the root's, then each delta down."""
        chain = []
        while i is not None and i not in cache:
            chain.append(i)
            i = self.parent[i]
        for j in reversed(chain):
            t = self.tasks[j]
            delta = t.get("delta")
            if delta and t["parent"] is not None:  # as the library restores it
                d = dict(cache[t["parent"]])
                d.update(delta.get("updates", {}))
                for key in delta.get("deletions", []):
                    d.pop(key, None)
            else:
                d = t.get("data") or {}
            cache[j] = d
        return cache[chain[0]] if chain else cache[i]


def _delta(base, data):
    return {"updates": {k: v for k, v in data.items() if k not in base or base[k] != v},
            "deletions": [k for k in base if k not in data]}
