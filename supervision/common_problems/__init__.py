"""Common problems (共性问题): many enterprises' cases answered once by the unit that owns the policy.
Rules in docs/common-problems.md."""
