"""``Idempotency-Key``: a retried POST with the same key and body gets the first
response again (same case, same status); the same key with another body is a 409.

The key is reserved (with a lease) before the engine call and released if that
call fails, so two concurrent retries cannot both start a case. The engine's
unit of work marks the reservation with the case it changed, in the same
transaction (``store.bind_case``): after a crash a retry either finds that case
and answers with it, or, once the lease has run out, takes the reservation over
and does the work once. Keys live 24 hours per caller.
"""
import functools
import re

from flask import g, jsonify, request

from engine.errors import InvalidInput

from . import store
from .auth import engine

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


def respond(endpoint, body, produce, recover):
    """``produce(within)`` does the work and returns (status, JSON-ready dict); it passes
    ``within`` to the engine call, which runs it inside its unit of work.
    ``recover(case_id)`` answers for work that committed without its response stored."""
    key = request.headers.get(HEADER)
    if key is None:
        status, out = produce(None)
        return _json(status, out)
    if not KEY_RE.match(key):
        raise InvalidInput("幂等键应为 1–200 个可见 ASCII 字符", details={"header": HEADER})
    owner = g.actor.name
    claim = store.claim_key(engine(), owner, key, endpoint, store.request_hash(endpoint, body))
    if claim.kind == "replay":
        return _replayed(claim.status, claim.body)
    if claim.kind == "recover":
        status, out = recover(claim.case_id)
        store.store_response(engine(), owner, key, None, status, out)
        return _replayed(status, out)
    within = functools.partial(store.bind_case, owner=owner, key=key, token=claim.token)
    try:
        status, out = produce(within)
    except BaseException:  # failed: a corrected retry may use the key
        store.release_key(engine(), owner, key, claim.token)
        raise
    store.store_response(engine(), owner, key, claim.token, status, out)
    return _json(status, out)


def _replayed(status, out):
    response = _json(status, out)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _json(status, out):
    response = jsonify(out)
    response.status_code = status
    return response
