"""Bulk enrolment: coordinators and admins create and enrol trainees from a CSV file."""
