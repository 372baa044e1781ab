"""The overdue circular (督办通报): a snapshot of the figures, a draft a supervisor edits, a numbered document nobody
can change, and its .xlsx and PDF (docs/circulars.md)."""
