"""A second factor at sign-in: authenticator apps (TOTP), passkeys (WebAuthn) and one-time recovery codes."""
