"""The code domain: run model-written programs against tests in a bubblewrap sandbox and label traces."""

from redstar_data.verify.code.sandbox import (
    Limits,
    RunResult,
    SandboxUnavailableError,
    check_available,
    run_program,
)

__all__ = ["Limits", "RunResult", "SandboxUnavailableError", "check_available", "run_program"]
