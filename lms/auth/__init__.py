"""Accounts, roles, sign-in and one-time set-password links."""
