"""Machine description and worker processes shared by the benchmark scripts."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it, with its family, model and widest x86 vector unit
    (two hosts both called "AMD EPYC" can be Zen 3 with AVX2 or Zen 4 with AVX-512, and their
    timings differ); platform.processor() where there is no /proc/cpuinfo."""
    try:
        return describe_cpu(Path("/proc/cpuinfo").read_text())
    except OSError:
        return platform.processor() or "unknown CPU"


def describe_cpu(cpuinfo: str) -> str:
    """"name, family F model M, ISA" from the first processor block of a /proc/cpuinfo text;
    the parts the text lacks are left out."""
    fields = {}
    for line in cpuinfo.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    parts = [fields.get("model name") or "unknown CPU"]
    if "cpu family" in fields and "model" in fields:
        parts.append(f"family {fields['cpu family']} model {fields['model']}")
    flags = set(fields.get("flags", "").split())
    widest = next((name for flag, name in _VECTOR_UNITS if flag in flags), None)
    return ", ".join(parts + ([widest] if widest else []))


_VECTOR_UNITS = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse2", "SSE2"))


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


def worker_or_report(args, worker, write_report, results: Path) -> bool:
    """The two modes of a harness besides measuring: ``--worker CONFIG`` (measure one
    configuration in this process and print its JSON) and ``--report-only`` (write the
    report again from the results file). True when one of them ran."""
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return True
    if args.report_only:
        write_report(json.loads(Path(results).read_text()))
        return True
    return False
