"""``Idempotency-Key``: a retried POST with the same key and body gets the first
response again (same case, same status); the same key with another body is a 409.

The key is reserved before the engine call and released if that call fails, so
two concurrent retries cannot both start a case. Keys live 24 hours per caller.
"""
import re

from flask import g, jsonify, request

from engine.errors import InvalidInput

from . import store
from .auth import engine

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


def respond(endpoint, body, produce):
    """``produce()`` does the work and returns (status, JSON-ready dict)."""
    key = request.headers.get(HEADER)
    if key is None:
        status, out = produce()
        return _json(status, out)
    if not KEY_RE.match(key):
        raise InvalidInput("幂等键应为 1–200 个可见 ASCII 字符", details={"header": HEADER})
    owner = g.actor.name
    replay = store.claim_key(engine(), owner, key, endpoint, store.request_hash(endpoint, body))
    if replay is not None:
        response = _json(*replay)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        status, out = produce()
    except BaseException:  # failed: a corrected retry may use the key
        store.release_key(engine(), owner, key)
        raise
    store.store_response(engine(), owner, key, status, out)
    return _json(status, out)


def _json(status, out):
    response = jsonify(out)
    response.status_code = status
    return response
