"""Courses and their content: modules, lessons, images; the catalogue trainees browse."""
