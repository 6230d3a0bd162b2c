"""nbgrader configuration of the course. The course folder is the repository itself.

- solutions/  nbgrader's source directory: the instructors' versions (solutions, hidden tests);
- exercises/  the release directory: what `nbgrader generate_assignment` makes for students;
- submitted/, autograded/, feedback/: nbgrader's working folders (not committed).
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "ucmsc-trial-appraisal"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# The gradebook: SQLite in the course folder by default. For PostgreSQL, set
#   c.CourseDirectory.db_url = "postgresql+psycopg2://USER:PASSWORD@HOST:5432/gradebook"
# (and `pip install psycopg2-binary`), or pass --CourseDirectory.db_url=... on the command line.
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Seconds one cell may run while autograding. nbgrader's default (30 s) is too short for the
# course's simulation exercises (re-running a virtual trial a few hundred times with lifelines
# takes 10-40 s on a 2-core machine); 90 s leaves room for a slow machine, and a student's
# infinite loop still costs at most 90 s before it is stopped and scored zero.
c.Execute.timeout = 90

# Keep a runaway print loop from bloating the graded notebook and the feedback.
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 50
