import pytest
from lessons import LESSONS, execute_all


@pytest.fixture(scope="session")
def executed_lessons(tmp_path_factory):
    """Every lesson executed twice from a clean kernel (two at a time): {(path, run): result}."""
    return execute_all(LESSONS, tmp_path_factory.mktemp("executed"), runs=2)


@pytest.fixture(scope="session")
def lesson_outputs(executed_lessons):
    """The first execution of each lesson, by file name: {name: notebook}."""
    return {path.name: result["nb"] for (path, run), result in executed_lessons.items() if run == 0}
