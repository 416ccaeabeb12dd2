"""Tasks: the inbox and what clerks do with a task."""
from .service import TaskService

__all__ = ["TaskService"]
