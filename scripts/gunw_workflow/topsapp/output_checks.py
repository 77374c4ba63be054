"""Checks of a step's outputs that a partial or damaged result cannot pass.

A glob that matches "at least one burst file" accepts a step that lost a burst, and a raster cut short still
exists. Once preprocess has run, the bursts are known: every swath product XML lists its bursts, and
computeBaselines records the common bursts in topsProc.xml. So every per-burst file a step must write is
expected by number, and every raster binary must have the size its ISCE header gives (docs/isce2-steps.md,
"Output checks").
"""

from __future__ import annotations

import glob
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gunw_workflow.isce_io.headers import raster_header
from gunw_workflow.topsapp.steps import BURST_FILES

_BURST_NUMBER = re.compile(r"_(\d{2,})\.")
_SWATH = re.compile(r"IW(\d)")


def _swath_bursts(workdir: Path, role: str, swath: int) -> list[int]:
    """Burst numbers of a swath product (reference/IW1.xml ...): 1..N in ISCE's numbering."""
    root = ET.parse(workdir / role / f"IW{swath}.xml").getroot()
    bursts = root.find("component[@name='instance']/component[@name='bursts']")
    return list(range(1, len(bursts.findall("component")) + 1))


def _common_bursts(workdir: Path, swath: int) -> list[int]:
    """Reference burst numbers of the common bursts, as computeBaselines recorded them in topsProc.xml."""
    text = (workdir / "topsProc.xml").read_text()

    def value(key: str) -> int:
        m = re.search(rf"<IW-{swath}_{key}>\s*(-?\d+)\s*<", text)
        if m is None:
            raise ValueError(f"topsProc.xml has no IW-{swath}_{key}")
        return int(m.group(1))

    first = value("First_common_burst_in_reference")
    return list(range(first + 1, first + value("Number_of_common_bursts") + 1))


def expected_bursts(workdir: Path, pattern: str) -> list[int] | None:
    """The burst numbers files matching ``pattern`` must cover, or None when the pattern is not per burst."""
    m = _SWATH.search(pattern)
    for prefix, burst_set in BURST_FILES:
        if m and pattern.startswith(prefix.format(n=m.group(1))):
            swath = int(m.group(1))
            if burst_set == "common":
                return _common_bursts(workdir, swath)
            return _swath_bursts(workdir, burst_set, swath)
    return None


def burst_problems(workdir: Path, patterns: list[str]) -> list[str]:
    problems = []
    for pattern in patterns:
        want = expected_bursts(workdir, pattern)
        if want is None:
            continue
        found = {
            int(m.group(1))
            for p in glob.glob(str(workdir / pattern))
            if (m := _BURST_NUMBER.search(Path(p).name)) and Path(p).stat().st_size > 0
        }
        missing = sorted(set(want) - found)
        if missing:
            problems.append(f"{pattern}: burst(s) {missing} missing or empty (expected {want})")
    return problems


def size_problems(workdir: Path, files: list[str]) -> list[str]:
    """Raster binaries whose size differs from width x length x bands x sample size of their .xml header."""
    problems = []
    for rel in files:
        binary = workdir / rel
        if binary.suffix in (".xml", ".vrt") or not binary.is_file():
            continue
        if not Path(str(binary) + ".xml").is_file():
            continue
        try:
            h = raster_header(binary)
            expected = h.width * h.length * h.bands * h.dtype.itemsize
        except (ValueError, KeyError, AttributeError, ET.ParseError) as exc:
            problems.append(f"{rel}: unreadable ISCE header ({exc})")
            continue
        size = binary.stat().st_size
        if size != expected:
            problems.append(
                f"{rel}: {size} bytes, its header says {expected} ({h.width} x {h.length} {h.data_type})"
            )
    return problems


def step_file_problems(workdir: Path, declared: list[str], checks: list[str]) -> list[str]:
    """Every per-burst file by number, and the size of every declared or per-burst raster."""
    problems = burst_problems(workdir, checks)
    burst_files = [
        str(Path(p).relative_to(workdir))
        for pattern in checks
        for p in sorted(glob.glob(str(workdir / pattern)))
    ]
    return problems + size_problems(workdir, list(declared) + burst_files)
