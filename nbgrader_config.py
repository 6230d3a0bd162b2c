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

# ---- Grading student code safely (the course's grading tools, package coursegrader in grading/) ----
# Every autograde runs each submission's kernel in a sandbox (bubblewrap): no network, a read-only
# system, a private copy of that one submission, limits on memory, processes, CPU time and files.
# Where the sandbox cannot start, autograding stops with a message; it never grades unsandboxed.
# Opt-out for code you trust: COURSEGRADER_NO_SANDBOX=1 (or `python -m coursegrader autograde
# --no-sandbox`). Limits: c.SandboxProvisioner.memory_mb = 2048, .processes, .cpu_seconds,
# .file_size_mb, .open_files, .workdir_mb, .cpus (see the instructor guide).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "coursegrader.preprocessors.RestoreTestCells",  # no false "checksum has changed" per hidden test
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "coursegrader.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "coursegrader.preprocessors.LimitOutputSize",  # LimitOutput counts lines only
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback: each failed test's message and the student's own code, never a hidden test's code.
# (`make feedback` also puts MathJax inside each page, so that it reads offline.)
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "coursegrader.preprocessors.HideHiddenTests",
]

# ---- Grades, and the LMS path (the course's grading tools, coursegrader.grades and .lms) ----
# `nbgrader export` (make grades) lists released assignments only: those in the exchange's outbound/
# or with at least one submission. nbgrader's own export lists every generated assignment, with a 0
# for each student, which an LMS would read as missed work.
c.ExportApp.plugin_class = "coursegrader.grades.ReleasedCsvExport"
# `nbgrader zip_collect` reads Canvas's and Moodle's download naming and maps it to the gradebook's
# students (lms_user_id: the Canvas user id; Moodle: first and last names). make lms-import runs it.
c.ZipCollectApp.collector_plugin = "coursegrader.lms.LmsCollector"
