"""Hidden tests of the Neurons unit.

Run them with plain ``pytest tests/grading`` to grade the reference
solutions through the sandbox, or with ``--submission FOLDER`` to grade a
folder. The ``student``, ``reference`` and ``record`` fixtures come from
``autograder.grading.plugin``, registered here unless the grader already did.
"""


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("autograder.grading.plugin"):
        pluginmanager.import_plugin("autograder.grading.plugin")
