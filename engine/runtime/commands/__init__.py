"""Runtime commands: one class per operation that moves a case."""
from .correction import AnswerCorrection, OpenCorrection
from .fire_timers import FireDueTimers
from .send_message import SendMessage
from .start_case import StartCase

__all__ = ["AnswerCorrection", "FireDueTimers", "OpenCorrection", "SendMessage", "StartCase"]
