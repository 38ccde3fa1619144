"""Machine description and worker processes shared by the benchmark scripts."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (platform.processor() is often empty)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run_worker(script, *args: str, python: str | None = None) -> dict:
    """Run ``python script args`` in its own process (one standalone device, a clean memory
    reading) and return the JSON object its last line prints; RuntimeError with the end of
    its standard error when it fails. ``python`` is another interpreter (default: this one)."""
    env = dict(os.environ)
    env.setdefault("DIEHLSIM_DATA", str(DEFAULT_DATA))
    proc = subprocess.run([python or sys.executable, str(script), *args], capture_output=True,
                          text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(script).name} {' '.join(args)} failed:\n"
                           f"{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
