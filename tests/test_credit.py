"""告知承诺 and the credit blacklist (一处失信、处处受限), as drawn in the food licence sample:
the market review verifies the commitment (``commitmentCheck``), the 容缺 wait is marked
``credit = restricted``. No Python names the matter."""
import pytest
import sqlalchemy as sa

from engine import Actor
from engine.applicants.credit import CreditRestricted
from engine.errors import InvalidInput
from engine.models import Case, CreditAudit

from .test_matters import ADMIN, COMPANY, FOOD_ACCEPT, ready, work
from .window_data import FOOD_COMPLETE

PORTAL = Actor("portal", "integrator")
COMMITTED = "食品安全管理制度文本"
SHOP = {"shop_name": "老街面馆"}


def apply(engine, commitments=(COMMITTED,), who=COMPANY):
    application, cases = engine.applicants.submit(PORTAL, "process:food_business_license", who, SHOP,
                                                  commitments=list(commitments))
    return cases[0]


def audit(engine, action):
    with engine.db.read() as s:
        return s.scalars(sa.select(CreditAudit).where(CreditAudit.action == action).order_by(CreditAudit.id)).all()


def case_count(engine):
    with engine.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Case))


def list_by_false_commitment(engine):
    case = apply(engine)
    work(engine, case.id, "accept", FOOD_COMPLETE)
    work(engine, case.id, "review_market", {"market_opinion": "fail", "commitment_true": False})
    return case


def test_a_commitment_is_recorded_on_the_case(deployed):
    case = apply(deployed)
    trail = deployed.history.trail(case.id)
    assert trail[0].data["commitments"] == [COMMITTED]
    assert [e.data for e in trail if e.type == "commitment_signed"] == [{"materials": [COMMITTED]}]
    with pytest.raises(InvalidInput) as error:
        apply(deployed, commitments=["营业执照"])
    assert error.value.code == "commitment_not_offered"


def test_a_true_commitment_lists_nobody(deployed):
    case = apply(deployed)
    work(deployed, case.id, "accept", FOOD_COMPLETE)
    work(deployed, case.id, "review_market", {"market_opinion": "pass", "commitment_true": True})
    assert deployed.applicants.listing(COMPANY["id_number"]) is None


def test_a_false_commitment_blacklists_and_refuses_commitment_and_tolerance_everywhere(deployed):
    case = list_by_false_commitment(deployed)
    row = deployed.applicants.listing(COMPANY["id_number"])
    assert row is not None and row.case_id == case.id and "告知承诺内容不实" in row.reason
    assert "credit_listed" in [e.type for e in deployed.history.trail(case.id)]
    assert [a.case_id for a in audit(deployed, "listed")] == [case.id]

    before = case_count(deployed)
    with pytest.raises(CreditRestricted) as error:
        apply(deployed)                          # 告知承诺 refused at submission
    assert error.value.message == "申请人已被列入失信名单（一处失信、处处受限），不能适用告知承诺或容缺受理"
    assert case_count(deployed) == before        # nothing started
    later = apply(deployed, commitments=())      # proving instead of committing is fine
    with pytest.raises(CreditRestricted):
        work(deployed, later.id, "accept", FOOD_ACCEPT)   # 容缺 refused: the whole step is rolled back
    assert set(ready(deployed, later.id)) == {"accept"}
    refusals = audit(deployed, "refused")
    assert len(refusals) == 2 and refusals[1].case_id == later.id and "等待补正材料" in refusals[1].message
    work(deployed, later.id, "accept", FOOD_COMPLETE)  # complete materials
    assert set(ready(deployed, later.id)) == {"review_market", "review_health"}


def test_an_admin_lifts_the_listing_with_a_reason(deployed):
    list_by_false_commitment(deployed)
    with pytest.raises(InvalidInput):
        deployed.applicants.lift(ADMIN, COMPANY["id_number"], "  ")
    row = deployed.applicants.lift(ADMIN, COMPANY["id_number"], "已整改并补交真实材料")
    assert row.lifted_by == "admin" and row.lift_reason == "已整改并补交真实材料"
    assert deployed.applicants.listing(COMPANY["id_number"]) is None
    assert [a.message for a in audit(deployed, "lifted")] == ["已整改并补交真实材料"]
    case = apply(deployed)                       # may commit again
    work(deployed, case.id, "accept", FOOD_ACCEPT)
    assert "wait_supplement" not in ready(deployed, case.id)  # a receive task, not an inbox row
    assert set(ready(deployed, case.id)) == {"review_market", "review_health"}


def test_replay_of_a_committed_case_agrees(deployed):
    case = list_by_false_commitment(deployed)
    result = deployed.history.replay(case.id)
    assert result.divergence is None, result.divergence
