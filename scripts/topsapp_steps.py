#!/usr/bin/env python3
"""The one table of ISCE2 topsApp's 24 steps: what each writes, what invalidates it, what is heavy.

Rules (workflow/rules/topsapp.smk) are generated from STEPS; run_topsapp_step.py verifies outputs from it; the
tests check it against the real recording in ../shared/isce2-recorded/. File names come from that recording
(ISCE2 2.6.5) and from the fact sheet docs (isce2-topsapp.md §1, §3, §6).

`settings` everywhere is the dict of topsApp properties rendered from the config (topsapp_xml.topsapp_properties):
exact ISCE property names -> Python values.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from topsapp_xml import DENSE_OFFSET_PROPERTIES, ION_PROPERTIES

Settings = dict


def raster(path: str) -> list[str]:
    """An ISCE raster is three files: the binary, its .xml header and a GDAL .vrt."""
    return [path, path + ".xml", path + ".vrt"]


def esd_on(s: Settings) -> bool:
    return bool(s["do ESD"])


def ion_on(s: Settings) -> bool:
    return bool(s["do ionosphere correction"])


def dense_on(s: Settings) -> bool:
    return bool(s["do dense offsets"])


def unwrap_on(s: Settings) -> bool:
    return bool(s["do unwrap"])


def always(s: Settings) -> bool:
    return True


def conncomp_file(s: Settings) -> str:
    """ICU writes filt_topophase.conncomp, every snaphu flavour filt_topophase.unw.conncomp (pitfall 13)."""
    return (
        "merged/filt_topophase.conncomp"
        if s["unwrapper name"] == "icu"
        else "merged/filt_topophase.unw.conncomp"
    )


def per_swath(patterns: list[str], s: Settings) -> list[str]:
    return [p.format(n=n) for n in s["swaths"] for p in patterns]


def multilooked(s: Settings) -> bool:
    """Merged products get a `.full` full-resolution mosaic only when looks are not 1 x 1."""
    return int(s["range looks"]) * int(s["azimuth looks"]) > 1


@dataclass(frozen=True)
class Heavy:
    """Bulky intermediates one step writes and later steps read; deleted after the last consumer when
    keep_intermediates is off. `consumers` are (step, condition) pairs; the last active one does the clean-up."""

    patterns: tuple[str, ...]
    consumers: tuple[tuple[str, Callable[[Settings], bool]], ...]

    def last_consumer(self, s: Settings) -> str:
        active = [step for step, cond in self.consumers if cond(s)]
        return active[-1]


@dataclass(frozen=True)
class Step:
    name: str
    active: Callable[[Settings], bool]
    """True when the step does real work with these settings (switched-off steps only write their PICKLE)."""
    declared: Callable[[Settings], list[str]] = lambda s: []
    """Fixed-name files (relative to the topsApp dir) the step writes; declared as Snakemake outputs."""
    checks: Callable[[Settings], list[str]] = lambda s: []
    """Glob patterns each of which must match >= 1 non-empty file after the step (burst files: count unknown at
    DAG time)."""
    invalidated_by: tuple[str, ...] = ()
    """topsApp properties whose change makes this step the first one to re-run (fact sheet §3)."""
    heavy: tuple[Heavy, ...] = ()
    pre_clean: tuple[str, ...] = ()
    """Files removed before the step runs because ISCE would silently reuse them (pitfalls 3 and 4)."""
    description: str = ""
    extra: dict = field(default_factory=dict)


def _geocode_outputs(s: Settings) -> list[str]:
    files = []
    for f in s["geocode list"]:
        files += raster(f + ".geo")
    return files


_OFFSET_FILES = [
    "merged/dense_offsets.bil",
    "merged/dense_offsets_snr.bil",
    "merged/dense_offsets_cov.bil",
    "merged/filt_dense_offsets.bil",
]

STEPS: tuple[Step, ...] = (
    Step("startup", always, description="reads topsApp.xml; PICKLE only"),
    Step(
        "preprocess",
        always,
        declared=lambda s: per_swath(["reference/IW{n}.xml", "secondary/IW{n}.xml"], s),
        checks=lambda s: per_swath(["reference/IW{n}/burst_*.slc.xml", "secondary/IW{n}/burst_*.slc.xml"], s),
        invalidated_by=("Sensor name", "swaths", "polarization", "use virtual files"),
        description="reads SAFEs, orbits; swath products (burst SLCs are VRTs into the SAFE TIFFs)",
    ),
    Step("computeBaselines", always, description="common bursts, baselines (state in PICKLE/topsProc.xml)"),
    Step(
        "verifyDEM",
        always,
        invalidated_by=("useHighResolutionDemOnly",),
        description="checks the DEM; must not download (demFilename is always set)",
    ),
    Step(
        "topo",
        always,
        checks=lambda s: per_swath(
            ["geom_reference/IW{n}/" + f"{v}_*.rdr" for v in ("lat", "lon", "hgt", "los")], s
        ),
        invalidated_by=("use GPU",),
        heavy=(
            Heavy(
                ("geom_reference/IW*/*_[0-9][0-9].rdr*",),
                (("subsetoverlaps", esd_on), ("fineoffsets", always), ("mergebursts", always)),
            ),
        ),
        description="radar-geometry lat/lon/hgt/los per burst",
    ),
    Step(
        "subsetoverlaps",
        esd_on,
        declared=lambda s: (
            per_swath(["reference/overlaps/top_IW{n}.xml", "reference/overlaps/bottom_IW{n}.xml"], s)
            if esd_on(s)
            else []
        ),
        invalidated_by=("do ESD",),
    ),
    Step(
        "coarseoffsets",
        esd_on,
        checks=lambda s: (
            per_swath(["coarse_offsets/overlaps/IW{n}/azimuth_top_*.off"], s) if esd_on(s) else []
        ),
        heavy=(
            Heavy(
                ("coarse_offsets/overlaps/IW*/*",),
                (("coarseresamp", esd_on), ("overlapifg", esd_on), ("prepesd", esd_on)),
            ),
        ),
    ),
    Step(
        "coarseresamp",
        esd_on,
        declared=lambda s: (
            per_swath(["coarse_coreg/overlaps/top_IW{n}.xml", "coarse_coreg/overlaps/bottom_IW{n}.xml"], s)
            if esd_on(s)
            else []
        ),
        heavy=(Heavy(("coarse_coreg/overlaps/IW*/*",), (("overlapifg", esd_on), ("rangecoreg", esd_on))),),
    ),
    Step(
        "overlapifg",
        esd_on,
        declared=lambda s: (
            per_swath(
                [
                    "coarse_interferogram/overlaps/top_IW{n}.xml",
                    "coarse_interferogram/overlaps/bottom_IW{n}.xml",
                ],
                s,
            )
            if esd_on(s)
            else []
        ),
        heavy=(Heavy(("coarse_interferogram/overlaps/IW*/*",), (("prepesd", esd_on),)),),
    ),
    Step(
        "prepesd",
        esd_on,
        checks=lambda s: (
            per_swath(["ESD/overlap_IW{n}_*.int", "ESD/freq_IW{n}_*.bin"], s) if esd_on(s) else []
        ),
        invalidated_by=("ESD azimuth looks", "ESD range looks"),
    ),
    Step(
        "esd",
        esd_on,
        declared=lambda s: (
            sum((raster(f"ESD/combined_IW{n}.off") for n in s["swaths"]), []) if esd_on(s) else []
        ),
        invalidated_by=("ESD coherence threshold", "extra ESD cycles"),
        description="raises 'Coherence threshold too strict' (exit 1) when no point passes",
    ),
    Step(
        "rangecoreg",
        esd_on,
        declared=lambda s: ["ESD/rangeMisregistration.jpg"] if esd_on(s) else [],
        invalidated_by=("offset SNR threshold",),
    ),
    Step(
        "fineoffsets",
        always,
        checks=lambda s: per_swath(["fine_offsets/IW{n}/azimuth_*.off", "fine_offsets/IW{n}/range_*.off"], s),
        heavy=(
            Heavy(
                ("fine_offsets/IW*/*",),
                (("fineresamp", always), ("ion", ion_on), ("burstifg", always)),
            ),
        ),
    ),
    Step(
        "fineresamp",
        always,
        declared=lambda s: per_swath(["fine_coreg/IW{n}.xml"], s),
        checks=lambda s: per_swath(["fine_coreg/IW{n}/burst_*.slc"], s),
        heavy=(
            Heavy(
                ("fine_coreg/IW*/burst_*",),
                (("ion", ion_on), ("burstifg", always), ("mergebursts", always), ("denseoffsets", dense_on)),
            ),
        ),
    ),
    Step(
        "ion",
        ion_on,
        declared=lambda s: raster("ion/ion_cal/filt.ion") if ion_on(s) else [],
        invalidated_by=("do ionosphere correction", *ION_PROPERTIES),
        heavy=(Heavy(("ion/lower/*", "ion/upper/*"), (("ion", ion_on),)),),
        description="split-spectrum ionosphere; always unwraps with snaphu internally",
    ),
    Step(
        "burstifg",
        always,
        declared=lambda s: per_swath(["fine_interferogram/IW{n}.xml"], s),
        checks=lambda s: (
            per_swath(["fine_interferogram/IW{n}/burst_*.int", "fine_interferogram/IW{n}/burst_*.cor"], s)
            if s["do interferogram"]
            else []
        ),
        invalidated_by=("do interferogram",),
        heavy=(Heavy(("fine_interferogram/IW*/burst_*",), (("mergebursts", always),)),),
    ),
    Step(
        "mergebursts",
        always,
        declared=lambda s: (
            raster("merged/topophase.flat")
            + raster("merged/topophase.cor")
            + raster("merged/los.rdr")
            + (raster("merged/topophase.ion") if ion_on(s) else [])
            + (
                [
                    f"merged/{f}.full.{ext}"
                    for f in ("lat.rdr", "lon.rdr", "z.rdr", "reference.slc", "secondary.slc")
                    for ext in ("vrt", "xml")
                ]
                if multilooked(s)
                else []
            )
        ),
        invalidated_by=("range looks", "azimuth looks", "apply ionosphere correction"),
        pre_clean=(
            "merged/topophase_ori.flat",
            "merged/topophase_ori.flat.xml",
            "merged/topophase_ori.flat.vrt",
        ),
        description="mosaics + multilooks; with apply-iono the stale topophase_ori.flat must go first",
    ),
    Step(
        "filter",
        lambda s: bool(s["do interferogram"]),
        declared=lambda s: raster("merged/filt_topophase.flat") + raster("merged/phsig.cor"),
        invalidated_by=("filter strength",),
        description="Goldstein-Werner; ICU needs >= 265 multilooked lines",
    ),
    Step(
        "unwrap",
        unwrap_on,
        declared=lambda s: (
            raster("merged/filt_topophase.unw") + raster(conncomp_file(s)) if unwrap_on(s) else []
        ),
        invalidated_by=("do unwrap", "unwrapper name"),
    ),
    Step(
        "unwrap2stage",
        lambda s: bool(s["do unwrap 2 stage"]) and s["unwrapper name"] not in ("icu", "grass"),
        invalidated_by=("do unwrap 2 stage", "unwrapper 2stage name", "SOLVER_2STAGE"),
    ),
    Step(
        "geocode",
        lambda s: bool(s["do interferogram"]),
        declared=_geocode_outputs,
        invalidated_by=("geocode list", "geocode bounding box"),
        description="missing geocode-list entries are skipped silently, hence every .geo is declared",
    ),
    Step(
        "denseoffsets",
        dense_on,
        declared=lambda s: sum((raster(f) for f in _OFFSET_FILES[:3]), []) if dense_on(s) else [],
        invalidated_by=("do dense offsets", *DENSE_OFFSET_PROPERTIES),
        pre_clean=(
            "merged/reference.slc.full",
            "merged/reference.slc.hdr",
            "merged/reference.slc.full.aux.xml",
            "merged/secondary.slc.full",
            "merged/secondary.slc.hdr",
            "merged/secondary.slc.full.aux.xml",
        ),
        heavy=(
            Heavy(
                (
                    "merged/reference.slc.full",
                    "merged/secondary.slc.full",
                    "merged/*.slc.hdr",
                    "merged/*.slc.full.aux.xml",
                ),
                (("denseoffsets", dense_on),),
            ),
        ),
        description="materialises merged/*.slc.full (reused if present, so removed first)",
    ),
    Step(
        "filteroffsets",
        dense_on,
        declared=lambda s: raster("merged/filt_dense_offsets.bil") if dense_on(s) else [],
        invalidated_by=("SNR Threshold factor", "Filter NULL factor", "Filter window size"),
    ),
    Step(
        "geocodeoffsets",
        dense_on,
        declared=lambda s: sum((raster(f + ".geo") for f in _OFFSET_FILES), []) if dense_on(s) else [],
        invalidated_by=("offset geocode list",),
        description="rewrites merged/dem.crop, so dem.crop is never declared",
    ),
)

STEP_NAMES: tuple[str, ...] = tuple(s.name for s in STEPS)
BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}

# Written by every step (pitfall 8): never declare them as outputs.
SHARED_FILES = ("topsProc.xml", "isce.log", "topsinsar.log", "tmp.unw", "denseampcor.log", "merged/dem.crop")

# Files ISCE reads implicitly from the cwd besides the given topsApp.xml (pitfall 9).
STRAY_CONFIG_FILES = (
    "topsinsar.xml",
    "s1atops.xml",
    "topscontext.xml",
    "topsAppContext.xml",
    "ampcor_burst.xml",
    "topsapp_filter_icu.xml",
    "topsapp_icu.xml",
    "dense.xml",
)


def pickle_files(step: str) -> list[str]:
    return [f"PICKLE/{step}", f"PICKLE/{step}.xml"]


def previous(step: str) -> str | None:
    i = STEP_NAMES.index(step)
    return STEP_NAMES[i - 1] if i else None


def step_params(step: str, settings: Settings) -> dict:
    """The slice of the settings that invalidates `step` (becomes the Snakemake rule's params)."""
    return {k: settings[k] for k in BY_NAME[step].invalidated_by if k in settings}


def heavy_handoffs(settings: Settings) -> list[tuple[str, str, Heavy]]:
    """(producer, last consumer, group) for every heavy group whose producer does real work."""
    out = []
    for step in STEPS:
        if not step.active(settings):
            continue
        for group in step.heavy:
            out.append((step.name, group.last_consumer(settings), group))
    return out


def describe(settings: Settings) -> list[dict]:
    """A JSON-friendly view of the table for these settings (used by --help output and docs)."""
    rows = []
    for step in STEPS:
        rows.append(
            {
                "step": step.name,
                "active": step.active(settings),
                "declared": step.declared(settings),
                "checks": step.checks(settings) if step.active(settings) else [],
                "invalidated_by": list(step.invalidated_by),
                "pre_clean": list(step.pre_clean),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the topsApp step table (declared outputs, checks, invalidating properties) as JSON "
        "for the settings rendered from a workflow config."
    )
    parser.add_argument("--config", help="workflow config YAML (default: config/config.yaml)", default=None)
    args = parser.parse_args(argv)
    import topsapp_xml

    settings = topsapp_xml.topsapp_properties(topsapp_xml.load_config(args.config))
    json.dump(describe(settings), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
