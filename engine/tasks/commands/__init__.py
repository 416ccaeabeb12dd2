"""Task commands: one class per operation a clerk performs on a task."""
from .claim import ClaimTask
from .complete import CompleteTask
from .unclaim import UnclaimTask

__all__ = ["ClaimTask", "CompleteTask", "UnclaimTask"]
