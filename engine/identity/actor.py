"""Who is calling an engine operation: a person with a role and groups, or the engine itself."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    name: str
    role: str = "system"
    groups: frozenset = field(default_factory=frozenset)
    # The code of the person's department: a supervisor sees that department's subtree.
    department: str | None = None
    # Their password was chosen by somebody else (generated, reset, demo): to be replaced.
    password_change_required: bool = False
    # An applicant's identity number (一证申办): what scopes their cases; None for staff.
    id_number: str | None = None

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_applicant(self):
        return self.role == "applicant"


SYSTEM = Actor("system")
