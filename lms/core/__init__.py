"""Pieces every feature package uses: clock, types, permissions, Markdown, audit, errors."""
