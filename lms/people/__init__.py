"""Managing people: admins for everyone, coordinators for their institution's trainees."""
