"""Practical assessments: a checklist of observable criteria an assessor signs off for one trainee."""
