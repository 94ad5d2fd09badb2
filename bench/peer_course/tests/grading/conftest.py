"""Hidden tests of the peer-bench assignment; fixtures from autograder.grading.plugin."""


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("autograder.grading.plugin"):
        pluginmanager.import_plugin("autograder.grading.plugin")
