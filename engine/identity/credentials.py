"""Who a token or browser session belongs to, without the token, user and group reads per request.

A process keeps what it resolved (credential hash -> Actor) together with the
credentials counter (``engine.generation``) it was read under. Revoking a
token, closing a session, deactivating a person or changing their role,
groups or department bumps that counter in the same transaction, so every
process drops its cached answers on its next request: revocation stays immediate.
"""
import threading

from engine import generation

MAX_ENTRIES = 10_000


def current(session):
    return generation.current(session, generation.CREDENTIALS)


def known(session):
    """The credentials counter if this transaction read it already (auth in the same read session)."""
    return generation.known(session, generation.CREDENTIALS)


class CredentialCache:
    """credential hash -> (actor, generation, expires_at), per process."""

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key, generation, now):
        hit = self._entries.get(key)
        if hit is None or hit[1] != generation or (hit[2] is not None and hit[2] < now):
            return None
        return hit[0]

    def put(self, key, actor, generation, expires_at):
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (actor, generation, expires_at)
