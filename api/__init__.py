"""Tongban's REST API: a thin Flask layer that translates HTTP to ``engine`` calls.

    app = create_app(engine)          # `tongban serve` serves this with waitress

Everything under /api/v1 speaks JSON (errors too); the OpenAPI 3 document is at
/api/v1/openapi.json and a readable page at /api/v1/docs. The web UI (``admin``)
is mounted on the same app when it provides a ``blueprint``.
"""
import importlib.util
import json
import os
import re
from datetime import timedelta

from flask import Flask, request
from flask_smorest import Api

from werkzeug.exceptions import RequestEntityTooLarge

from engine.errors import InvalidInput, TongbanError

from . import docs, errors, masking, ratelimit, store
from .routes import cases, cc, definitions, jobs, organisation, session, supervision, tasks, tokens, webhooks
from .routes import applicants, licences, public, ratings, window, workbench
from .schemas import ErrorSchema

JSON_LIMIT = 1024 * 1024               # any JSON body
UPLOAD_LIMIT = 21 * 1024 * 1024        # a deployment (the engine refuses files over 5 MiB) or an attachment
UPLOAD_ENDPOINTS = {"definitions.deploy", "cases.upload_attachment", "tasks.upload_attachment", "applicants.upload",
                    "definitions.check", "workbench.save_draft"}

DEFAULTS = {
    "API_TITLE": "通办 Tongban API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": "办件发起、消息、待办、留痕与事件订阅。错误统一为 {error, message, details}。"},
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    },
    "MAX_CONTENT_LENGTH": UPLOAD_LIMIT,
    "SESSION_COOKIE_NAME": "tongban_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": os.environ.get("TONGBAN_SECURE_COOKIES", "") == "1",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    # "N/SECONDS" per caller; empty disables. Counted in the database: shared by all processes.
    "TONGBAN_RATE_LIMIT": os.environ.get("TONGBAN_RATE_LIMIT", "600/60"),
    "TONGBAN_LOGIN_RATE_LIMIT": os.environ.get("TONGBAN_LOGIN_RATE_LIMIT", "10/60"),
    "TONGBAN_ANON_RATE_LIMIT": os.environ.get("TONGBAN_ANON_RATE_LIMIT", "60/60"),
    # Demo server: the demo people keep their known passwords (see README, "Passwords").
    "TONGBAN_DEMO": os.environ.get("TONGBAN_DEMO", "") == "1",
}


class TongbanApi(Api):
    """flask-smorest with our error shape instead of its own."""
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        errors.register(self._app)


def create_app(engine, config=None):
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["tongban"] = engine
    app.extensions["tongban_limiter"] = ratelimit.Limiter(engine)  # one per process
    # One key for every process: from the environment, else made once and kept in the database.
    app.secret_key = app.config.get("SECRET_KEY") or os.environ.get("TONGBAN_SECRET_KEY") \
        or store.shared_secret(engine)

    api = TongbanApi(app)
    app.extensions["tongban_api"] = api
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "tongban token 用户名"})
    api.spec.components.security_scheme("cookieAuth", {"type": "apiKey", "in": "cookie",
                                                       "name": app.config["SESSION_COOKIE_NAME"]})
    for module in (session, tokens, definitions, cases, tasks, cc, webhooks, jobs, organisation, supervision):
        api.register_blueprint(module.blp)
    api.register_blueprint(jobs.incidents_blp)
    api.register_blueprint(applicants.blp)  # #10b: registration, applications, themes, blacklist

    for module in (licences, public, ratings):  # public service (#10a)
        api.register_blueprint(module.blp)

    api.register_blueprint(workbench.blp)  # analyst workbench (#13b)

    api.register_blueprint(window.blp)  # front window (#9)
    app.register_blueprint(docs.blp)

    @app.before_request
    def _limit_body():
        length = request.content_length
        if length and length > JSON_LIMIT and request.endpoint not in UPLOAD_ENDPOINTS:
            raise RequestEntityTooLarge()

    @app.before_request
    def _refuse_nul():
        # No text we store may hold NUL (PostgreSQL refuses it): say so before any query runs.
        if "\x00" in request.path or b"%00" in request.query_string or \
                (request.is_json and b"\\u0000" in request.get_data(cache=True)):
            raise InvalidInput("请求中含有不允许的 NUL 字符", code="nul_character")

    @app.before_request
    def _refuse_odd_json():
        # Parsed once here so that what the JSON parser itself cannot take (5 000-digit
        # integers, nesting past the recursion limit) and text no database can store
        # (lone surrogates such as "\ud800") are refused in the one error shape.
        if request.is_json and request.get_data(cache=True):
            status, problem = odd_json(request.get_data(cache=True))
            if problem:
                raise (InvalidInput if status == 422 else TongbanError)(problem, code="invalid_json")

    @app.after_request
    def _headers(response):
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Pages are never framed by another site (clickjacking) and leak no URLs onwards.
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    _mount_admin(app)
    masking.install(app)  # identity numbers: #10a
    return app


MAX_JSON_DEPTH = 100


def odd_json(body):
    """``(status, why)`` a JSON request body cannot be taken, or ``(None, None)``."""
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        return None, None                   # plain bad JSON: the request parser says so (400)
    except (ValueError, RecursionError):    # bad UTF-8, an over-long integer, nesting past the stack
        return 400, "请求体不是合法的 JSON（或含有过长的整数、过深的嵌套）"
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return 422, f"请求体嵌套超过 {MAX_JSON_DEPTH} 层"
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return 422, "请求中含有无效的 Unicode 字符（孤立代理项）"
        elif isinstance(item, list):
            stack.extend((x, depth + 1) for x in item)
        elif isinstance(item, dict):
            stack.extend((x, depth + 1) for pair in item.items() for x in pair)
    return None, None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _mount_admin(app):
    """The web UI, when the ``admin`` package provides a blueprint (it may not exist yet)."""
    if importlib.util.find_spec("admin") is None:
        return
    import admin
    blueprint = getattr(admin, "blueprint", None)
    if blueprint is not None:
        app.register_blueprint(blueprint)
