"""Due work (timers) as operators see it: what failed, why, and a retry."""
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, AUDITOR, engine
from ..schemas import ErrorSchema, IncidentListSchema, JobListSchema, JobSchema, PageArgs

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="到期作业（定时器）：失败原因与重试")


@blp.route("", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@blp.response(200, JobListSchema)
def list_failed():
    """执行失败过的作业（含错误原因）；失败 5 次后不再自动重试"""
    return {"items": engine().management.failed_jobs()}


@blp.route("/<int(min=1, max=2147483647):job_id>/retry", methods=["POST"])
@auth.requires(ADMIN)
@blp.response(200, JobSchema)
@blp.alt_response(404, schema=ErrorSchema)
def retry(job_id):
    """清除失败计数，立即重试"""
    return engine().management.retry(job_id)


incidents_blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents",
                          description="事故记录：因超出步数或时间上限而整体回滚的处理")


@incidents_blp.route("", methods=["GET"])
@auth.requires(ADMIN, AUDITOR)
@incidents_blp.arguments(PageArgs, location="query")
@incidents_blp.response(200, IncidentListSchema)
def list_incidents(args):
    """被中止并回滚的处理（最新在前）：哪个办件、哪个环节、什么原因"""
    page, per_page = args["page"], args["per_page"]
    rows, total = engine().management.incidents(limit=per_page, offset=(page - 1) * per_page)
    return {"items": rows, "total": total, "page": page, "per_page": per_page}
