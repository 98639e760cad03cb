"""The audit log viewer: security-relevant events, for admins, read-only."""
