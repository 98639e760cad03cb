"""A trainee's learning: enrolments, lesson progress, completion and certificates."""
