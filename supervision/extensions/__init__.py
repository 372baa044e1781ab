"""The extension decisions' desk: the requests waiting for a decider and those decided lately. The requests and
their decision are the workflow's (``workflow.services``); the desk is a supervision read (docs/deadlines.md)."""
