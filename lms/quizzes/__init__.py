"""Quizzes, their question banks, attempts and grading."""
