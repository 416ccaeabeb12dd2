"""History: the append-only trail of every case (全程留痕、过往可溯)."""
from .events import *  # noqa: F401,F403  (event type names and ``append``)
from .events import EVENT_TYPES, append
from .service import HistoryService

__all__ = ["EVENT_TYPES", "HistoryService", "append"]
