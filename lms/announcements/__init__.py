"""Announcements: course staff write to a course's trainees, or to one run's, on the course page and by mail."""
