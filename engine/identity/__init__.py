"""Identity: the people who work cases (accounts, roles, groups, sessions, tokens)
and the identity numbers of applicants (一证申办)."""
from .actor import SYSTEM, Actor
from .users import ROLES, UserService

__all__ = ["Actor", "ROLES", "SYSTEM", "UserService"]
