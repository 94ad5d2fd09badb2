"""Sub-commands of the ``autograder`` CLI, one module each (see ``autograder.cli``)."""
