"""Assignments: written work handed in as text or files and marked by a person (an assessor)."""
