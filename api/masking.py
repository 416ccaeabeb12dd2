"""Identity numbers in answers are masked for everyone but auditors and the applicant themself.

One hook over every response body the API and the pages send (JSON, CSV, HTML),
so that no route can forget it; files (attachments) are passed through untouched.
"""
from flask import g, request

from engine.identity.masking import install_log_masking, mask_bytes

UNMASKED_ROLES = {"auditor"}
TEXT_TYPES = {"application/json", "text/csv", "text/html", "text/plain"}
# The trail export is evidence that verifies itself against its hash chain (admins and auditors only):
# masked, it would no longer prove anything.
# The credit blacklist (admins and auditors only) is a register of named people: whoever lifts
# a listing must see exactly whom it names.
EXEMPT_ENDPOINTS = {"cases.export", "applicants.blacklist", "applicants.lift", "applicants.credit_audit"}


def install(app):
    install_log_masking()

    @app.after_request
    def _mask(response):
        if response.direct_passthrough or response.is_streamed or response.mimetype not in TEXT_TYPES \
                or request.endpoint in EXEMPT_ENDPOINTS:
            return response
        actor = g.get("actor")
        if actor is not None and actor.role in UNMASKED_ROLES:
            return response
        body = response.get_data()
        masked = mask_bytes(body, keep=getattr(actor, "id_number", None))
        if masked != body:
            response.set_data(masked)
        return response
