"""Limits on what a request may carry, in one place so that the API, the pages and the services agree.

docs/api.md explains each choice.
"""

# The largest primary key either database holds (a BigAutoField is a signed 64-bit integer). A larger
# number in a filter or a body names nothing; passed on to SQLite it would overflow its integers.
MAX_ID = 2**63 - 1
