"""退回 through the whole engine (state saved and loaded at every call) on a purpose-made
diagram: a three-way parallel review whose market branch has two steps, then a
three-instance countersign, then a decision that may loop back to acceptance."""
import random

import pytest

from engine import Actor
from engine.errors import Conflict
from engine.models import Case

from .conftest import diagram

ADMIN = Actor("admin", "admin")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
BRANCHES = {"market": ["review_market", "recheck_market"], "fire": ["review_fire"], "health": ["review_health"]}


@pytest.fixture
def eng(engine):
    engine.repository.deploy_paths([diagram("operations", "parallel_review.bpmn")])
    return engine


def start(eng):
    return eng.runtime.start("parallel_review", PERSON).id


def open_elements(eng, case_id):
    return sorted(t.element_id for t in eng.tasks.for_case(case_id))


def task(eng, case_id, element):
    return next(t for t in eng.tasks.for_case(case_id) if t.element_id == element)


def done(eng, case_id, element, **data):
    eng.tasks.complete(task(eng, case_id, element).id, ADMIN, data)


def back(eng, case_id, element, to):
    row = task(eng, case_id, element)
    assert to in [e for e, _ in eng.tasks.return_targets(row.id, ADMIN)]
    eng.tasks.return_to(row.id, ADMIN, to, "材料有误")


def countersign(eng, case_id):
    for _ in range(3):
        done(eng, case_id, "countersign")


def trail(eng, case_id, type):
    return [e for e in eng.history.trail(case_id) if e.type == type]


def test_from_inside_one_branch_to_before_the_split_cancels_the_siblings(eng):
    c = start(eng)
    done(eng, c, "accept")
    done(eng, c, "review_fire")  # fire's token waits at the join
    done(eng, c, "review_market")
    back(eng, c, "review_health", "accept")
    assert open_elements(eng, c) == ["accept"]
    [ev] = trail(eng, c, "task_returned")
    assert ev.data["to"] == "accept" and ev.data["reason"] == "材料有误" and ev.actor == "admin"
    done(eng, c, "accept")
    # The join starts fresh: fire's earlier arrival does not count.
    done(eng, c, "review_health")
    done(eng, c, "review_market")
    done(eng, c, "recheck_market")
    assert open_elements(eng, c) == ["review_fire"]
    done(eng, c, "review_fire")
    assert open_elements(eng, c) == ["countersign"] * 3


def test_within_one_branch_the_other_branches_are_untouched(eng):
    c = start(eng)
    done(eng, c, "accept")
    done(eng, c, "review_fire")
    done(eng, c, "review_market")
    health = task(eng, c, "review_health").id
    targets = [e for e, _ in eng.tasks.return_targets(task(eng, c, "recheck_market").id, ADMIN)]
    assert targets == ["accept", "review_market"]  # nothing from the other branches
    back(eng, c, "recheck_market", "review_market")
    assert open_elements(eng, c) == ["review_health", "review_market"]
    assert task(eng, c, "review_health").id == health  # same inbox row: untouched
    done(eng, c, "review_market")
    done(eng, c, "recheck_market")
    assert open_elements(eng, c) == ["review_health"]  # fire's token still counts, no early join
    done(eng, c, "review_health")
    assert open_elements(eng, c) == ["countersign"] * 3


def test_from_after_the_join_every_branch_is_redone(eng):
    c = start(eng)
    done(eng, c, "accept")
    for e in ["review_market", "recheck_market", "review_fire", "review_health"]:
        done(eng, c, e)
    countersign(eng, c)
    targets = [e for e, _ in eng.tasks.return_targets(task(eng, c, "decide").id, ADMIN)]
    assert set(targets) == {"accept", "review_market", "recheck_market", "review_fire", "review_health",
                            "countersign"}
    back(eng, c, "decide", "recheck_market")
    assert open_elements(eng, c) == ["recheck_market", "review_fire", "review_health"]
    for e in ["review_health", "recheck_market"]:
        done(eng, c, e)
        assert "countersign" not in open_elements(eng, c)
    done(eng, c, "review_fire")
    assert open_elements(eng, c) == ["countersign"] * 3


def test_a_multi_instance_step_restarts_whole(eng):
    c = start(eng)
    done(eng, c, "accept")
    for e in ["review_market", "recheck_market", "review_fire", "review_health"]:
        done(eng, c, e)
    done(eng, c, "countersign")  # one of three signed, then a return from inside the step
    back(eng, c, "countersign", "review_fire")
    assert open_elements(eng, c) == ["review_fire", "review_health", "review_market"]
    for e in ["review_market", "recheck_market", "review_fire", "review_health"]:
        done(eng, c, e)
    countersign(eng, c)
    back(eng, c, "decide", "countersign")
    assert open_elements(eng, c) == ["countersign"] * 3  # all three instances again
    countersign(eng, c)
    done(eng, c, "decide", decision="approve")
    with eng.db.read() as s:
        assert s.get(Case, c).status == "completed"


def test_only_earlier_steps_on_the_path(eng):
    c = start(eng)
    done(eng, c, "accept")
    row = task(eng, c, "review_fire")
    with pytest.raises(Conflict):
        eng.tasks.return_to(row.id, ADMIN, "review_health", "x")  # a sibling branch is not on the path
    with pytest.raises(Conflict):
        eng.tasks.return_to(row.id, ADMIN, "decide", "x")  # not reached yet


def test_fifty_return_rounds_with_departments_finishing_in_random_order(eng):
    rng = random.Random(8)
    c = start(eng)
    shapes = ["before_split", "within_branch", "after_join", "countersign", "decide_loop"]
    for round_no in range(50):
        done(eng, c, "accept", round_no=round_no)
        shape = rng.choice(shapes)
        steps = [s for branch in BRANCHES.values() for s in branch]
        finished = []
        # The departments finish in a random order (the market's two steps stay in theirs).
        queue = rng.sample(steps, len(steps))
        queue.sort(key=lambda e: BRANCHES["market"].index(e) if e in BRANCHES["market"] else 0)
        if shape == "before_split":
            stop = rng.randrange(len(queue))
            for e in queue[:stop]:
                done(eng, c, e)
            back(eng, c, queue[stop], "accept")
            assert open_elements(eng, c) == ["accept"]
            continue
        if shape == "within_branch":
            done(eng, c, "review_market")
            for e in queue:
                if e not in BRANCHES["market"] and rng.random() < 0.5:
                    done(eng, c, e)
                    finished.append(e)
            back(eng, c, "recheck_market", "review_market")
            assert "countersign" not in open_elements(eng, c)
            done(eng, c, "review_market")
            finished.append("review_market")
        for e in queue:
            if e not in finished:
                assert "countersign" not in open_elements(eng, c), f"early join in round {round_no}"
                done(eng, c, e)
        assert open_elements(eng, c) == ["countersign"] * 3, f"round {round_no}"
        if shape == "after_join":
            back(eng, c, "countersign", rng.choice(steps))
            again = open_elements(eng, c)
            assert len(again) == 3 and "countersign" not in again
            while "countersign" not in open_elements(eng, c):
                done(eng, c, rng.choice(open_elements(eng, c)))
        elif shape == "countersign":
            countersign(eng, c)
            back(eng, c, "decide", "countersign")
        countersign(eng, c)
        assert open_elements(eng, c) == ["decide"]
        done(eng, c, "decide", decision="again")
    assert open_elements(eng, c) == ["accept"]
    with eng.db.read() as s:
        assert s.get(Case, c).data["round_no"] == 49
    assert len(trail(eng, c, "task_returned")) >= 30
