"""Rates and rankings of units and cadres, and the overdue trend: docs/rates.md."""
