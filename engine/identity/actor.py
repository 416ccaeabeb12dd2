"""Who is calling an engine operation: a person with a role and groups, or the engine itself."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    name: str
    role: str = "system"
    groups: frozenset = field(default_factory=frozenset)

    @property
    def is_admin(self):
        return self.role == "admin"


SYSTEM = Actor("system")
