"""Course packages: the courses/ format, its check, import and export."""
