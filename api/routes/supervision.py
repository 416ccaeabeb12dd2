"""Supervision (电子监察): special procedures on a case, the dashboard's figures, overdue notice."""
import csv
import io

from flask import Response, g
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR, engine
from ..present import case_detail
from ..schemas import (CaseSchema, ErrorSchema, OverdueListSchema, SpecialProcedureEndSchema,
                       SpecialProcedureSchema, StatsArgs, StatsSchema, StatusHistorySchema)

blp = Blueprint("supervision", __name__, url_prefix="/api/v1", description="电子监察：特别程序、统计、超期公示")


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/special-procedure", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(SpecialProcedureSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="办件已办结、计时已暂停或尚未受理")
@blp.alt_response(422, schema=ErrorSchema)
def start_special_procedure(body, case_id):
    """启动特别程序（听证、检验检测、鉴定、专家评审等）：期间不计入办理时限"""
    engine().runtime.get(case_id, g.actor)
    engine().supervision.start_special_procedure(case_id, body["kind"], body["reason"], g.actor)
    return case_detail(engine(), g.actor, case_id)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/special-procedure/end", methods=["POST"])
@auth.requires(ADMIN, CLERK)
@blp.arguments(SpecialProcedureEndSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="没有进行中的特别程序")
def end_special_procedure(body, case_id):
    """结束特别程序：恢复计时，时限顺延暂停的工作日数"""
    engine().runtime.get(case_id, g.actor)
    engine().supervision.end_special_procedure(case_id, body["reason"], g.actor)
    return case_detail(engine(), g.actor, case_id)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/status-history", methods=["GET"])
@auth.requires(ADMIN, AUDITOR, CLERK, INTEGRATOR, SUPERVISOR)
@blp.response(200, StatusHistorySchema)
@blp.alt_response(404, schema=ErrorSchema)
def status_history(case_id):
    """办件过程状态（已接件、已受理、补正、特别程序、办结……），供数据交换使用"""
    case = engine().runtime.get(case_id, g.actor)
    return {"case_id": case.id, "number": case.number, "items": engine().supervision.status_history(case)}


STATS_COLUMNS = ("date", "received", "completed")


@blp.route("/stats", methods=["GET"])
@auth.requires(ADMIN, AUDITOR, SUPERVISOR)
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsSchema)
@blp.alt_response(422, schema=ErrorSchema)
def stats(args):
    """统计：每日收件与办结、按时办结率、即办率、一次办率、网上办理率、平均用时、督办牌、超期清单（format=csv 导出每日数据）"""
    fmt = args.pop("format")
    figures = engine().supervision.stats(g.actor, **args)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["日期", "收件", "办结"])
        for row in figures["per_day"]:
            writer.writerow([row[c] for c in STATS_COLUMNS])
        return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=tongban-stats.csv"})
    return figures


@blp.route("/overdue", methods=["GET"])
@blp.response(200, OverdueListSchema)
def overdue():
    """超期公示：已超过承诺或法定时限仍未办结的办件（公开，不含申请人信息）"""
    auth.limit(f"anon:{auth.client_address()}", "TONGBAN_ANON_RATE_LIMIT")
    return {"items": engine().supervision.overdue_notice()}
