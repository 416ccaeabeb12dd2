"""Ratings: the one write, and the lists and summaries per matter and department."""
import sqlalchemy as sa

from engine.models import Matter, Rating

from .commands.rate import RateCase


def summary(rows, key, name):
    """``[{key, name, count, average, good, bad}]`` over rating rows grouped by ``key(row)``."""
    groups = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return [{"key": k, "name": name(k), "count": len(v), "average": round(sum(r.score for r in v) / len(v), 2),
             "good": sum(r.score >= 4 for r in v), "bad": sum(r.score <= 2 for r in v)}
            for k, v in sorted(groups.items())]


class RatingService:
    def __init__(self, engine):
        self.engine = engine

    def rate(self, case_id, score, comment, actor):
        return self.engine.execute(RateCase(case_id, score, comment, actor))

    def list(self, process=None, department=None, page=1, per_page=20):
        q = sa.select(Rating)
        if process:
            q = q.where(Rating.process_key == process)
        if department:
            q = q.where(Rating.department == department)
        with self.engine.db.read() as session:
            everything = session.scalars(q).all()
            names = dict(session.execute(sa.select(Matter.process_key, Matter.name)).all())
        rows = sorted(everything, key=lambda r: r.id, reverse=True)
        return {"items": rows[(page - 1) * per_page: page * per_page], "total": len(rows), "page": page,
                "per_page": per_page,
                "by_matter": summary(everything, lambda r: r.process_key, lambda k: names.get(k, k)),
                "by_department": summary(everything, lambda r: r.department or "未归属部门", lambda k: k)}
