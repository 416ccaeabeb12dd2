"""Task commands: one class per operation a clerk performs on a task."""
from .cc import CcTask
from .claim import ClaimTask
from .complete import CompleteTask
from .delegate import DelegateTask
from .return_task import ReturnTask
from .sign import SignTask
from .transfer import TransferTask
from .unclaim import UnclaimTask
from .unsign import UnsignTask
from .urge import UrgeTask
from .withdraw import WithdrawTask

__all__ = ["CcTask", "ClaimTask", "CompleteTask", "DelegateTask", "ReturnTask", "SignTask", "TransferTask",
           "UnclaimTask", "UnsignTask", "UrgeTask", "WithdrawTask"]
