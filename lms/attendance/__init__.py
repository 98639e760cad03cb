"""Training sessions, sign-ups and attendance marks: the models and the counting completion needs (below learning)."""
