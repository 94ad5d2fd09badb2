"""Hidden tests of the peer-bench assignment; fixtures from autograder.plugin."""


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("autograder.plugin"):
        pluginmanager.import_plugin("autograder.plugin")
