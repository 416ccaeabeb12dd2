"""Public service reads (no login); the API rate-limits them."""
from .progress import Progress


class PublicService:
    def __init__(self, engine):
        self.engine = engine
        self.progress = Progress(engine)
