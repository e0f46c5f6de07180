"""Accounts: users, roles, API tokens, dashboard sessions and sign-in throttling."""
