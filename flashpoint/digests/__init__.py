"""Held alerts: digests and quiet hours, kept until their time and then sent together.

The routing stage (`alerts.routing`) decides that a matching subscription wants an alert
later and says when (`DeferredAlert.send_at`) and with which others (`batch_key`). This
stage does the rest, in two steps:

    result.deferred ──► PendingStore.hold ──► pending_alerts ──► DigestSender.flush_due
                        (one row per delivery key)                (one message per batch)

- `digests.store.PendingStore` keeps each deferred alert in the audit database (table
  ``pending_alerts``, migration 0004) until it is due; holding one twice stores it once.
- `digests.sender.DigestSender` sends what is due, one message per batch (a digest, or
  what quiet hours held back), records one `DeliveryResult` per alert in the delivery
  ledger, and marks the batch flushed. Nothing is dropped: a retryable failure leaves the
  batch for the next flush.

The package imports nothing itself, so that the migrations can import `digests.models`
without loading the notifiers.
"""
