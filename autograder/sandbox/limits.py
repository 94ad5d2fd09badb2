"""Resource limits for the worker that runs student code."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SandboxLimits"]


@dataclass(frozen=True)
class SandboxLimits:
    """What one submission's worker may use. Defaults follow course.yaml's defaults."""

    call_timeout: float = 10.0  # wall-clock seconds for one call into student code
    test_timeout: float = 60.0  # wall-clock seconds for all calls of one test together
    submission_timeout: float = 300.0  # wall-clock seconds for all calls of one submission together
    memory_mb: int = 1024  # address space of the worker
    cpu_seconds: int = 300  # CPU time of one worker process (a backstop; wall clock rules)
    output_kb: int = 64  # captured stdout+stderr kept for the report
    max_processes: int = 64  # processes and threads of the sandbox user
    max_open_files: int = 64
    max_file_mb: int = 16  # largest file the worker may write

    def rlimits(self) -> dict[str, int]:
        """Limits for ``resource.setrlimit`` by name, applied in the worker before student code runs."""
        mib = 1024 * 1024
        return {
            "RLIMIT_AS": self.memory_mb * mib,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.max_file_mb * mib,
            "RLIMIT_NOFILE": self.max_open_files,
            "RLIMIT_NPROC": self.max_processes,
            "RLIMIT_CORE": 0,
        }
