"""Supervision commands: one class per operation."""
from .cards import UpdateCards
from .special_procedure import EndSpecialProcedure, StartSpecialProcedure

__all__ = ["EndSpecialProcedure", "StartSpecialProcedure", "UpdateCards"]
