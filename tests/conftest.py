"""Shared fixtures for the project's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_course

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course():
    """The bundled Neurons course."""
    return load_course(ROOT / "course.yaml")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
