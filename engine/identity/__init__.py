"""Identity: the people who work cases (accounts, roles, groups, sessions, tokens),
the organisation they belong to (departments, groups) and the identity numbers
of applicants (一证申办)."""
from .actor import SYSTEM, Actor
from .organisation import ROLES

__all__ = ["Actor", "ROLES", "SYSTEM"]
