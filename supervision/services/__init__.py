"""Supervision's writes, one module per mechanism, each in the shape of ``workflow.services``."""
