"""Definitions (BPMN, DMN, forms) and the matter catalogue."""
from flask import g, request
from flask_smorest import Blueprint

from engine.errors import Forbidden, InvalidInput, Unauthenticated
from engine.repository import guide

from .. import auth
from ..auth import ADMIN, ANALYST, AUDITOR, EVERYONE, engine
from ..schemas import (DefinitionArgs, DefinitionListSchema, DefinitionSourceSchema, DeployResultSchema,
                       ErrorSchema, LintResultSchema, MatterListSchema, MatterSchema, MatterTypeListSchema, UploadSchema,
                       VersionArgs)

blp = Blueprint("definitions", __name__, url_prefix="/api/v1",
                description="流程定义（BPMN、DMN、表单）与事项目录")

MAX_FILES = 50


@blp.route("/definitions", methods=["GET"])
@auth.requires(*EVERYONE)
@blp.arguments(DefinitionArgs, location="query")
@blp.response(200, DefinitionListSchema)
def list_definitions(args):
    """已部署的定义（默认每个键只列最新版本）"""
    return {"items": engine().repository.list(kind=args.get("kind"), all_versions=args["all_versions"])}


@blp.route("/definitions", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(UploadSchema, location="files")
@blp.response(201, DeployResultSchema)
@blp.alt_response(200, schema=DeployResultSchema, description="内容未变，未产生新版本")
@blp.alt_response(422, schema=ErrorSchema)
def deploy(_files):
    """部署一个或多个文件（multipart 字段 file，可重复）；新内容产生新版本"""
    files = uploaded_files()
    deployed, problems = engine().repository.deploy_checked(files, deployed_by=g.actor.name)
    return deploy_result(deployed, problems, files)


def uploaded_files():
    uploads = request.files.getlist("file")
    if not uploads or len(uploads) > MAX_FILES:
        raise InvalidInput("请用 multipart 字段 file 上传 1–50 个文件", details={"file": "必填"})
    return [(u.filename or "upload", u.read()) for u in uploads]


def deploy_result(deployed, problems, files, prefer=None):
    results = [d.to_dict() for d in deployed]
    # Allowed, but nobody could work a task in a lane whose group has no active member.
    warnings = [{"process": d.key, "lane": lane, "message": f"泳道「{lane}」没有在岗人员：办理组 {lane} 无启用成员"}
                for d in deployed for lane in engine().organisation.unstaffed(d.lanes)]
    warnings += problems  # lint warnings (errors would have stopped the deployment)
    main = next((d for d in results if d["kind"] == prefer), None) or \
        next((d for d in results if d["kind"] != "matter"), results[0] if results else None)
    if main is None:
        raise InvalidInput("文件中没有可部署的定义", details={"file": [f for f, _ in files]})
    status = 201 if any(d["created"] for d in results) else 200
    return {**main, "deployed": results, "warnings": warnings}, status


@blp.route("/definitions/check", methods=["POST"])
@auth.requires(ADMIN, ANALYST)
@blp.arguments(UploadSchema, location="files")
@blp.response(200, LintResultSchema)
@blp.alt_response(422, schema=ErrorSchema)
def check(_files):
    """检查一个或多个文件（与部署相同的上传方式），不部署：返回全部问题"""
    problems = engine().repository.check(uploaded_files())
    return {"ok": not any(p["severity"] == "error" for p in problems), "problems": problems}


@blp.route("/definitions/<any(bpmn,dmn,form):kind>/<key>", methods=["GET"])
@auth.requires(ADMIN, ANALYST, AUDITOR)
@blp.arguments(VersionArgs, location="query")
@blp.response(200, DefinitionSourceSchema)
@blp.alt_response(404, schema=ErrorSchema)
def definition_source(args, kind, key):
    """一个定义的源文件（默认最新版本）"""
    repository = engine().repository
    with engine().db.read() as session:
        version = args.get("version")
        d = repository.get(session, kind, key, version) if version else repository.latest(session, kind, key)
        d.source  # load the deferred text while the session is open; the schema dumps the row
        return d


def _public():
    """Public reads: anyone may call; callers without a login spend the anonymous rate budget."""
    try:
        auth.authenticate()
    except (Unauthenticated, Forbidden):  # no login, or one that must change its password first
        pass


@blp.route("/matters", methods=["GET"])
@blp.response(200, MatterListSchema)
def list_matters():
    """事项目录与办事指南（公开，无需登录）"""
    _public()
    return {"items": engine().repository.matters()}


@blp.route("/matters/<code>", methods=["GET"])
@blp.response(200, MatterSchema)
@blp.alt_response(404, schema=ErrorSchema)
def matter(code):
    """一个事项的办事指南：按实施编码、基本编码或流程键查找（公开，无需登录）"""
    _public()
    return engine().repository.matter(code)


@blp.route("/matter-types", methods=["GET"])
@blp.response(200, MatterTypeListSchema)
def matter_types():
    """事项类型表（配置数据；公开，无需登录）"""
    _public()
    return {"items": list(guide.type_table())}
