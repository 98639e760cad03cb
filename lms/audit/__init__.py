"""The audit log in one place: the event model, its one writer (`services.record`), the named reads
and the admins' read-only viewer."""
