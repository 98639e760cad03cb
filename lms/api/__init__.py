"""The token-secured JSON API."""
