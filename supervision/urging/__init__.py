"""Urging (催办 → 督办 → 挂牌督办), the supervision side: its reads. The urging itself is a transition of the case's
(``workflow.services.case_urge``), and the rules are in docs/urging.md."""
