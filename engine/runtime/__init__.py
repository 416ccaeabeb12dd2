"""Runtime: cases (办件) — starting them, moving them, finding them."""
from .service import RuntimeService

__all__ = ["RuntimeService"]
