"""Language versions of courses: the texts of a course in other languages than its own (lms.languages.models)."""
