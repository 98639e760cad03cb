"""Availability: the conditions that open a course's lessons and quizzes, and the run's dates that gate them."""
