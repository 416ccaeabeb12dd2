"""One command per applicant-side write (see ``engine.commands``)."""
from .lift_listing import LiftListing
from .purge_uploads import PurgeStaleUploads
from .register import RegisterApplicant
from .save_draft import DeleteDraft, SaveDraft
from .submit import SubmitApplication
from .upload import AddUpload

__all__ = ["AddUpload", "DeleteDraft", "LiftListing", "PurgeStaleUploads", "RegisterApplicant", "SaveDraft", "SubmitApplication"]
