"""Analyst workbench: drafts, sandbox trials, versions and migration (contract: notes/contract-13.md)."""
from flask import g, request
from flask_smorest import Blueprint

from .. import auth
from ..auth import ADMIN, ANALYST, engine
from ..schemas import (DeployResultSchema, DraftListSchema, DraftSchema, ErrorSchema, MigrationRequestSchema,
                       MigrationResultSchema, PublishSchema, TrialSchema, TrialStartSchema, UploadSchema,
                       VersionListSchema)
from .definitions import deploy_result, uploaded_files

blp = Blueprint("workbench", __name__, url_prefix="/api/v1", description="流程工作台：草稿、试运行、版本与迁移")

KEY = "<string(maxlength=200):key>"
ID = "<int(min=1, max=2147483647):trial_id>"


@blp.route("/drafts", methods=["GET"])
@auth.requires(ADMIN, ANALYST)
@blp.response(200, DraftListSchema)
def list_drafts():
    """草稿列表（不影响在办办件）"""
    return {"items": engine().workbench.drafts()}


@blp.route(f"/drafts/{KEY}", methods=["PUT"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(UploadSchema, location="files")
@blp.response(200, DraftSchema)
@blp.alt_response(422, schema=ErrorSchema)
def save_draft(_files, key):
    """保存草稿（multipart 字段 file，可重复）；有检查错误也可保存，问题随结果返回"""
    return engine().workbench.save_draft(key, uploaded_files(), g.actor)


@blp.route(f"/drafts/{KEY}", methods=["GET"])
@auth.requires(ADMIN, ANALYST)
@blp.response(200, DraftSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_draft(key):
    """一个草稿：文件源文本和检查结果"""
    return engine().workbench.draft(key)


@blp.route(f"/drafts/{KEY}", methods=["DELETE"])
@auth.requires(ADMIN, ANALYST)
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def delete_draft(key):
    """删除草稿"""
    engine().workbench.delete_draft(key, g.actor)
    return ""


@blp.route(f"/drafts/{KEY}/publish", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(PublishSchema)
@blp.response(201, DeployResultSchema)
@blp.alt_response(422, schema=ErrorSchema, description="lint_failed：检查有错误，details.problems 为全部问题")
def publish_draft(body, key):
    """发布草稿：部署其全部文件，变更说明记在新版本上"""
    deployed, problems = engine().workbench.publish(key, body["note"], g.actor)
    return deploy_result(deployed, problems, [], prefer="bpmn")


@blp.route(f"/drafts/{KEY}/trials", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(TrialStartSchema)
@blp.response(201, TrialSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def start_trial(body, key):
    """用样例数据试运行草稿（沙箱，不写办件表）"""
    return engine().workbench.start_trial(key, body["data"], g.actor)


@blp.route(f"/trials/{ID}", methods=["GET"])
@auth.requires(ADMIN, ANALYST)
@blp.response(200, TrialSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_trial(trial_id):
    """一次试运行的当前状态"""
    return engine().workbench.trial(trial_id)


@blp.route(f"/trials/{ID}/tasks/<string(maxlength=64):task_id>/complete", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(TrialStartSchema)
@blp.response(200, TrialSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def complete_trial_task(body, trial_id, task_id):
    """在试运行中办理一个环节，令牌前进一步"""
    return engine().workbench.complete_trial_task(trial_id, task_id, body["data"], g.actor)


@blp.route(f"/trials/{ID}/waits/<string(maxlength=200):element_id>", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(TrialStartSchema)
@blp.response(200, TrialSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def arrive_in_trial(body, trial_id, element_id):
    """在试运行中模拟等待的消息到达或定时器到期（消息内容为 data）"""
    return engine().workbench.arrive_in_trial(trial_id, element_id, body["data"], g.actor)


@blp.route(f"/definitions/{KEY}/versions", methods=["GET"])
@auth.requires(ADMIN, ANALYST)
@blp.response(200, VersionListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def versions(key):
    """一个流程的全部版本（新的在前）：部署人、时间、变更说明、在办件数"""
    return {"items": engine().workbench.versions(key)}


@blp.route("/migrations", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(MigrationRequestSchema)
@blp.response(200, MigrationResultSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def migrate(body):
    """把在办办件迁移到另一版本：dry_run 时只说明每件能否迁移、环节如何对应；否则整批迁移并留痕"""
    return engine().workbench.migrate(body["process"], body["to_version"], g.actor,
                                      from_version=body.get("from_version"), cases=body.get("cases"),
                                      dry_run=body["dry_run"])
