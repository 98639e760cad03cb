"""Instructor authoring: editing courses in the browser, GIFT import, packages, regrading, item analysis."""
