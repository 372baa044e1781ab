"""The overdue review: open cases whose running clock ran out, for those who oversee them (docs/urging.md)."""
