"""The gradebook: every trainee's result in every graded item of a course, and the total by its grading rule."""
