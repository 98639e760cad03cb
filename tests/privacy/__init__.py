"""Tests of personal data protection (lms/privacy)."""
