"""Stage a pair's orbit files and DEMs into <pair>/inputs/, the layout ISCE2 runs were recorded with.

* orbits/: only the chosen EOF per scene (ISCE picks by itself from a directory, so a directory holding exactly our
  choice keeps it from picking another), under its real name (ISCE parses validity from the name).
* dem.wgs84 / geocode_dem.wgs84: symlinks to the binaries with rewritten ISCE .xml headers whose `file_name` is valid
  from the topsApp working directory (ISCE opens the path written inside the .xml, resolved from the cwd), plus .vrt,
  and `reference` WGS84 enforced (without it ISCE converts the DEM as EGM96 on every DEM check).
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

from gunw_workflow import s1_ids
from gunw_workflow.isce_io import headers
from gunw_workflow.isce_io.times import parse_time

EOF_NAME_RE = re.compile(
    r"^(?P<mission>S1[A-D])_OPER_AUX_(?P<type>POEORB|RESORB)_OPOD_(?P<created>\d{8}T\d{6})_"
    r"V(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})(\.EOF)?$"
)
# ISCE keeps state vectors within +-60 s of the bursts; require a little more than the scene id's sensing window.
ORBIT_MARGIN = timedelta(seconds=70)


class StagingError(RuntimeError):
    pass


def eof_real_name(path: Path) -> str:
    """The real EOF file name: from the file name if it is one, else from <File_Name> in the EOF header."""
    if EOF_NAME_RE.match(path.name):
        return path.name if path.name.endswith(".EOF") else path.name + ".EOF"
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", "replace")
    m = re.search(r"<File_Name>\s*([^<\s]+)\s*</File_Name>", head)
    if not m or not EOF_NAME_RE.match(m.group(1)):
        raise StagingError(
            f"{path}: cannot tell the real orbit file name (no valid <File_Name> in its header)"
        )
    return m.group(1) + ".EOF"


def orbit_validity(name: str) -> tuple[str, str, datetime, datetime]:
    m = EOF_NAME_RE.match(name)
    if not m:
        raise StagingError(f"{name!r} is not an EOF orbit file name")
    return m.group("mission"), m.group("type"), parse_time(m.group("start")), parse_time(m.group("stop"))


def choose_orbit(scene: str, candidates: list[Path]) -> Path:
    """ISCE's rule: mission matches, validity covers the acquisition; POEORB before RESORB; best-centred wins."""
    sid = s1_ids.parse(scene)
    need_start, need_stop = sid.start - ORBIT_MARGIN, sid.stop + ORBIT_MARGIN
    mid = sid.start + (sid.stop - sid.start) / 2
    for kind in ("POEORB", "RESORB"):
        good = []
        for path in candidates:
            try:
                mission, typ, start, stop = orbit_validity(eof_real_name(path))
            except StagingError:
                continue
            if mission == sid.mission and typ == kind and start <= need_start and stop >= need_stop:
                good.append((abs((start + (stop - start) / 2 - mid).total_seconds()), path))
        if good:
            return min(good, key=lambda t: t[0])[1]
    raise StagingError(
        f"no orbit file for {scene} among {len(candidates)} candidate(s): need a {sid.mission} POEORB/RESORB "
        f"valid from {need_start:%Y-%m-%dT%H:%M:%S} to {need_stop:%Y-%m-%dT%H:%M:%S}"
    )


def stage_orbits(scenes: list[str], sources: list[Path], out_dir: Path) -> list[Path]:
    candidates = []
    for src in sources:
        candidates += sorted(p for p in src.iterdir() if p.is_file()) if src.is_dir() else [src]
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    for scene in scenes:
        chosen = choose_orbit(scene, candidates)
        link = out_dir / eof_real_name(chosen)
        if not link.exists():
            link.symlink_to(chosen.resolve())
        staged.append(link)
    return staged


def stage_dem(src: Path, dst: Path, file_name_from_workdir: str) -> None:
    """Symlink the DEM binary at dst and write dst.xml (file_name rewritten, reference WGS84) and dst.vrt."""
    src_xml = Path(str(src) + ".xml")
    if not src_xml.is_file():
        raise StagingError(
            f"DEM header {src_xml} is missing: give the ISCE DEM binary path with its .xml beside it"
        )
    ref = headers.raster_header(src_xml).reference
    if ref and ref.upper() != "WGS84":
        raise StagingError(
            f"{src_xml}: DEM reference is {ref!r}; give WGS84 ellipsoid heights (ISCE would convert EGM96 DEMs "
            "in the working directory at every DEM check)"
        )
    dst.parent.mkdir(parents=True, exist_ok=True)
    for p in (dst, Path(str(dst) + ".xml"), Path(str(dst) + ".vrt")):
        if p.is_symlink() or p.exists():
            p.unlink()
    dst.symlink_to(src.resolve())
    staged = headers.rewrite_header(
        src_xml, str(dst) + ".xml", reference="WGS84", file_name=file_name_from_workdir
    )
    Path(str(dst) + ".vrt").write_text(headers.vrt_xml(staged, dst.name))


def write_safes(path: Path, reference: list[str], secondary: list[str], aux_cal_dir: str = "") -> None:
    """Absolute SAFE paths for topsApp.xml (ISCE turns a zip into /vsizip/<absolute path> anyway)."""
    missing = [p for p in reference + secondary if not Path(p).exists()]
    if missing:
        raise StagingError(f"SAFE(s) not found: {missing}")
    data = {
        "reference": [os.path.abspath(p) for p in reference],
        "secondary": [os.path.abspath(p) for p in secondary],
        "aux_cal_dir": os.path.abspath(aux_cal_dir) if aux_cal_dir else "",
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def run_staging(pair, action) -> int:
    """A staging command's exit status: ``action()``'s StagingError becomes one error line and 1; on success the
    staged files are listed."""
    try:
        action()
    except StagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    list_staged(pair)
    return 0


def list_staged(pair) -> None:
    """Print what is staged (relative to the pair directory): the job log shows what ISCE will read."""
    root = Path(pair.root)
    for path in sorted(Path(pair.inputs).rglob("*")):
        print(os.path.relpath(path, root))
