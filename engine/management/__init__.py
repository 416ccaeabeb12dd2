"""Management: due jobs (timers) for any number of workers, and the scheduler that polls them."""
from .scheduler import Scheduler
from .jobs import ManagementService

__all__ = ["ManagementService", "Scheduler"]
