"""Webhooks: integrators subscribe to trail events; an outbox delivers them."""
from .outbox import (CANCELLED, DELIVERED, FAILED, LONGEST_RETRY, MAX_ATTEMPTS, PENDING, SCOPE_ALL, SCOPE_OWN,
                     SIGNATURE_HEADER, deliver_due, enqueue, sign)
from .service import WebhookService, event_types

__all__ = ["CANCELLED", "DELIVERED", "FAILED", "LONGEST_RETRY", "MAX_ATTEMPTS", "PENDING", "SCOPE_ALL",
           "SCOPE_OWN", "SIGNATURE_HEADER", "WebhookService", "deliver_due", "enqueue", "event_types", "sign"]
