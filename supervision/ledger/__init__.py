"""The problem ledger (问题台账): the case list, with its filters, as an .xlsx written by a Celery job
(docs/ledger.md)."""
