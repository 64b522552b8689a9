"""Cheap imports: evaluate.py, the rewards and the train CLI module must not pull torch/transformers/trl."""

from __future__ import annotations

import subprocess
import sys


def test_light_modules_import_no_torch():
    code = (
        "import sys, redstar_train.evaluate, redstar_train.rewards, redstar_train.config, redstar_train.cli, redstar_data.cli.app\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
