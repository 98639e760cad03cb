"""Training institutions: the border-guard and customs academies whose officers train here."""
