"""Due work (timers) as operators see it: what failed, why, and a retry."""
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, AUDITOR, engine
from ..schemas import ErrorSchema, JobListSchema, JobSchema

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
