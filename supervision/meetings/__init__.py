"""The joint review meeting (联审会办会): flags, meetings, their agenda and minutes, and the sub-cases a decision
assigns (docs/meetings.md)."""
