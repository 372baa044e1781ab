"""The writes of accounts, one module per mechanism: API tokens, people's access (sessions, passwords,
deactivation) and invitations."""
