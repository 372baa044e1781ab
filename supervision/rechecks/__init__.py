"""The monthly re-check (复查) of closed cases: a recorded, reproducible sample and the result of each call or
visit (docs/rechecks.md)."""
