"""Who is calling, what they may do, and how often.

Two ways in: ``Authorization: Bearer tb_…`` (tokens from `tongban token NAME`,
checked by the engine's user service) or the signed session cookie set by
``POST /api/v1/session``. Cookie requests that change state must echo the
session's CSRF token in ``X-CSRF-Token``; token requests need none (a browser
never attaches a bearer token by itself).
"""
import hmac
import secrets
from functools import wraps

from flask import current_app, g, request, session

from engine.errors import Forbidden, Unauthenticated

from . import store
from .errors import RateLimited

ADMIN, ANALYST, CLERK, AUDITOR, INTEGRATOR = "admin", "analyst", "clerk", "auditor", "integrator"
SUPERVISOR, APPLICANT = "supervisor", "applicant"
EVERYONE = (ADMIN, ANALYST, CLERK, AUDITOR, INTEGRATOR, SUPERVISOR)  # the staff
ANYONE = EVERYONE + (APPLICANT,)  # applicant: reserved for the applicants' own pages
# What a person whose password must be replaced may still do: see who they are, change it, leave.
PASSWORD_CHANGE_ENDPOINTS = {"session.who_am_i", "session.change_password", "session.log_out"}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"


def engine():
    return current_app.extensions["tongban"]


def client_address():
    return request.remote_addr or "unknown"


def limit(bucket, setting, default=None):
    """Count a request against ``bucket``; ``setting`` names a config value like "600/60"."""
    rule = current_app.config.get(setting, default)
    if not rule:
        return
    count, period = (int(x) for x in rule.split("/"))
    wait = current_app.extensions["tongban_limiter"].hit(bucket, count, period)  # api.ratelimit
    if wait:
        raise RateLimited(wait)


def _from_token(header):
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("认证头格式应为 Authorization: Bearer <令牌>")
    return engine().users.verify_token(token.strip())


def _from_session():
    sid = session.get("sid")
    if not sid:
        raise Unauthenticated()
    try:
        actor = engine().users.session_actor(sid)
    except Unauthenticated:
        session.clear()
        raise
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("缺少或错误的 CSRF 令牌", code="csrf_failed",
                            details={"header": CSRF_HEADER})
    return actor


def authenticate():
    """The calling Actor, also kept in ``g.actor``; counts the caller's rate budget."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization")
    try:
        if header:
            actor, g.auth = _from_token(header), "token"
        else:
            actor, g.auth = _from_session(), "session"
    except Unauthenticated:
        limit(f"anon:{client_address()}", "TONGBAN_ANON_RATE_LIMIT")
        raise
    limit(f"user:{actor.name}", "TONGBAN_RATE_LIMIT")
    if g.auth == "session" and must_change_password(actor) and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        raise Forbidden("请先修改密码", code="password_change_required")
    g.actor = actor
    return actor


def optional_actor():
    """The caller on a public page that says more to a logged-in person, or None for anyone else."""
    if not request.headers.get("Authorization") and not session.get("sid"):
        return None
    try:
        return authenticate()
    except (Unauthenticated, Forbidden):
        return None


def must_change_password(actor):
    """A password somebody else chose (generated, reset, demo) must be replaced before
    the person works, except on a demo server (TONGBAN_DEMO=1), where everyone knows it."""
    return actor.password_change_required and not current_app.config.get("TONGBAN_DEMO")


def requires(*roles):
    """Let the view run only for callers whose role is in ``roles``."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = authenticate()
            if actor.role not in roles:
                raise Forbidden(f"角色 {actor.role} 无权执行此操作", details={"role": actor.role,
                                                                       "allowed": list(roles)})
            return view(*args, **kwargs)
        wrapper.allowed_roles = roles
        wrapper.__doc__ = (view.__doc__ or "").rstrip() + "\n\n允许的角色：" + "、".join(roles)
        return wrapper
    return decorate


def one_read_session(view):
    """Auth, the view and the body's serialisation in one read session (``Database.reading``):
    one connection checkout and one BEGIN for the request. Only for GET routes that write nothing."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with engine().db.reading():
            return view(*args, **kwargs)
    return wrapper


# ---- browser sessions ---------------------------------------------------------------

def who(actor, auth):
    person = engine().organisation.names([actor.name]).get(actor.name, {})
    return {"user": actor.name, "display_name": person.get("name") or actor.name,
            "department": person.get("department"), "role": actor.role, "groups": sorted(actor.groups),
            "password_change_required": auth == "session" and must_change_password(actor),
            "csrf_token": session.get("csrf") if auth == "session" else None, "auth": auth}


def _rule(setting):
    rule = current_app.config.get(setting)
    return tuple(int(x) for x in rule.split("/")) if rule else None


def counting_failures(buckets, attempt, failure):
    """``attempt()``, where only attempts that end in ``failure`` count against every bucket
    (the login rule): guessing is slowed down and a neighbour's successes lock nobody out."""
    rule = _rule("TONGBAN_LOGIN_RATE_LIMIT")
    if rule:
        wait = max(store.waiting(engine(), bucket, *rule) for bucket in buckets)
        if wait:
            raise RateLimited(wait)
    try:
        return attempt()
    except failure:
        if rule:
            for bucket in buckets:
                store.hit(engine(), bucket, *rule)
        raise


def log_in(name, password):
    # Failed attempts are counted per address and per name: from one address and against one account.
    actor = counting_failures((f"login:{client_address()}", f"login-name:{name}"),
                              lambda: engine().users.authenticate(name, password), Unauthenticated)
    session.clear()
    session.permanent = True
    session["sid"] = engine().users.open_session(actor.name)
    session["csrf"] = secrets.token_urlsafe(32)
    g.actor = actor  # the answer is now for them: an applicant sees their own number unmasked
    return who(actor, "session")


def log_out():
    """Ends the session on the server too: a copied cookie stops working."""
    engine().users.close_session(session.get("sid"))
    session.clear()
