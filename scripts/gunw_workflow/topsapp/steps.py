"""The one table of ISCE2 topsApp's 24 steps: what each writes, what invalidates it, what is heavy.

Rules (workflow/rules/topsapp.smk) are generated from STEPS; the step runner (topsapp/run_step.py) verifies outputs from it; the
tests check it against a recording of real ISCE2 runs (docs/isce2-steps.md). File names come from that recording
(ISCE2 2.6.5) and from docs/isce2-steps.md §1, §3, §6.

`settings` everywhere is the dict of topsApp properties rendered from the config (topsapp_xml.topsapp_properties):
exact ISCE property names -> Python values.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from gunw_workflow.layout import isce_raster as raster
from gunw_workflow.layout import pickle_files
from gunw_workflow.resources import Cost
from gunw_workflow.topsapp import isce_files, topsapp_xml
from gunw_workflow.topsapp.topsapp_xml import DENSE_OFFSET_PROPERTIES, ION_PROPERTIES

Properties = dict


def esd_on(s: Properties) -> bool:
    return bool(s["do ESD"])


def ion_on(s: Properties) -> bool:
    return bool(s["do ionosphere correction"])


def dense_on(s: Properties) -> bool:
    return bool(s["do dense offsets"])


def unwrap_on(s: Properties) -> bool:
    return bool(s["do unwrap"])


def always(s: Properties) -> bool:
    return True


def per_swath(patterns: list[str], s: Properties) -> list[str]:
    return [p.format(n=n) for n in s["swaths"] for p in patterns]


def multilooked(s: Properties) -> bool:
    """Merged products get a `.full` full-resolution mosaic only when looks are not 1 x 1."""
    return int(s["range looks"]) * int(s["azimuth looks"]) > 1


@dataclass(frozen=True)
class Heavy:
    """Bulky intermediates one step writes and later steps read; deleted after the last consumer when
    keep_intermediates is off. `consumers` are (step, condition) pairs; the last active one does the clean-up."""

    patterns: tuple[str, ...]
    consumers: tuple[tuple[str, Callable[[Properties], bool]], ...]

    def last_consumer(self, s: Properties) -> str:
        active = [step for step, cond in self.consumers if cond(s)]
        return active[-1]


@dataclass(frozen=True)
class Step:
    name: str
    active: Callable[[Properties], bool]
    """True when the step does real work with these settings (switched-off steps only write their PICKLE)."""
    declared: Callable[[Properties], list[str]] = lambda s: []
    """Fixed-name files (relative to the topsApp dir) the step writes; declared as Snakemake outputs."""
    checks: Callable[[Properties], list[str]] = lambda s: []
    """Glob patterns each of which must match >= 1 non-empty file after the step (burst files: count unknown at
    DAG time)."""
    invalidated_by: tuple[str, ...] = ()
    """topsApp properties whose change makes this step the first one to re-run (docs/isce2-steps.md §3)."""
    heavy: tuple[Heavy, ...] = ()
    pre_clean: tuple[str, ...] = ()
    """Files removed before the step runs because ISCE would silently reuse them (docs/isce2-steps.md, pitfalls 3 and 4)."""
    description: str = ""
    cost: Cost = Cost()
    """How the step's time, memory and disk grow with the pair (gunw_workflow.resources has the model)."""
    slurm_group: str | None = None
    """SLURM job shared with the neighbouring steps of the same group (one queue wait for several steps)."""
    reads: tuple[str, ...] = ()
    """Staged inputs the step reads from outside the PICKLE chain (names of layout.PairDir.staged)."""
    folds: str = "next"
    """Which neighbour's job runs this step when it does no work (writes only its PICKLE): "next" (a change
    to a step re-runs what follows anyway, so joining the next job re-runs nothing extra) or "previous" (a step
    that rewrites the previous step's files, which must never run without them)."""

    def works(self, s: Properties) -> bool:
        """True when the step writes files besides its PICKLE with these settings (it gets its own job)."""
        return self.active(s) and bool(self.declared(s) or self.checks(s))


def _geocode_outputs(s: Properties) -> list[str]:
    files = []
    for f in s["geocode list"]:
        files += raster(isce_files.geocoded(f))
    return files


def _ion_first_stage(s: Properties) -> str:
    fr = int(s["number of range looks at first stage for ionosphere phase unwrapping"])
    fa = int(s["number of azimuth looks at first stage for ionosphere phase unwrapping"])
    return f"{fr}rlks_{fa}alks"


def _ion_subband_files(s: Properties) -> list[str]:
    return per_swath(["ion/lower/fine_interferogram/IW{n}.xml", "ion/upper/fine_interferogram/IW{n}.xml"], s)


def _ion_rawion_files(s: Properties) -> list[str]:
    d = _ion_first_stage(s)
    files = []
    for band in ("lower", "upper"):
        files += raster(f"ion/{band}/merged/{d}/filt_topophase.unw")
        files += raster(f"ion/{band}/merged/{d}/filt_topophase.unw.conncomp")
        files += raster(f"ion/{band}/merged/filt_topophase.unw")
    files += raster(f"ion/lower/merged/{d}/topophase.cor") + raster("ion/lower/merged/topophase.cor")
    return files + raster("ion/ion_cal/raw_no_projection.ion") + raster("ion/ion_cal/raw_no_projection.cor")


@dataclass(frozen=True)
class IonSubJob:
    """One topsApp process of the `ion` step running ISCE's ionosphere sub-steps first..last (`start/end
    ionosphere step`); the project's own stages run between them (workflow/rules/ionosphere.smk)."""

    name: str
    first: str
    last: str
    declared: Callable[[Properties], list[str]]
    checks: Callable[[Properties], list[str]]
    invalidated_by: tuple[str, ...]
    overrides: tuple[tuple[str, object], ...] = ()
    side: bool = False
    """Outside the PICKLE chain: it dumps its PICKLE elsewhere and later steps never wait for it, so a re-run
    (a new filter window) re-runs neither burstifg nor mergebursts (and no deleted intermediates come back)."""


ION_SUBSTEPS = ("subband", "rawion", "grd2ion", "filt_gaussian", "ionosphere_shift", "ion2grd", "esd")
SIDE_PICKLE_DIR = "PICKLE_ion_ramps"
ION_SUBJOBS: tuple[IonSubJob, ...] = (
    IonSubJob(
        "ion_subband",
        "subband",
        "subband",
        _ion_subband_files,
        lambda s: per_swath(
            [
                "ion/lower/fine_interferogram/IW{n}/burst_*.int",
                "ion/upper/fine_interferogram/IW{n}/burst_*.int",
            ],
            s,
        ),
        ("do ionosphere correction",),
    ),
    IonSubJob(
        "ion_rawion",
        "rawion",
        "rawion",
        _ion_rawion_files,
        lambda s: [],
        (
            "total number of azimuth looks in the ionosphere processing",
            "total number of range looks in the ionosphere processing",
            "number of azimuth looks at first stage for ionosphere phase unwrapping",
            "number of range looks at first stage for ionosphere phase unwrapping",
            "areas masked out in ionospheric phase estimation",
        ),
    ),
    # grd2ion and filt_gaussian are replaced by the project's filter (the reference filters the unprojected
    # ionosphere). ionosphere_shift -> ion2grd need burst properties on, for this process only. ISCE's esd
    # sub-step is left out: its output (ion/esd/) is read by nothing in the product, and it reads the coregistered
    # bursts, which would tie every filter change to coregistration (docs/ionosphere.md).
    IonSubJob(
        "ion_ramps",
        "ionosphere_shift",
        "ion2grd",
        lambda s: raster("ion/ion_cal/azshift.ion"),
        lambda s: per_swath(["ion/ion_burst/IW{n}/burst_*.ion"], s),
        (
            "height of ionosphere layer in km",
            "maximum window size for filtering ionosphere azimuth shift",
            "minimum window size for filtering ionosphere azimuth shift",
            "correct phase error caused by ionosphere azimuth shift",
        ),
        (
            ("consider burst properties in ionosphere computation", True),
            ("pickle dump directory", SIDE_PICKLE_DIR),
        ),
        side=True,
    ),
)
ION_SUBJOB = {j.name: j for j in ION_SUBJOBS}


_OFFSET_FILES = [
    "merged/dense_offsets.bil",
    "merged/dense_offsets_snr.bil",
    "merged/dense_offsets_cov.bil",
    "merged/filt_dense_offsets.bil",
]

STEPS: tuple[Step, ...] = (
    Step(
        "startup",
        always,
        description="reads topsApp.xml; PICKLE only",
        cost=Cost(1, 1, 0.0, 0.0, "full", 1000, 0, 100, 0),
        slurm_group="topsapp_prep",
        reads=("pair_json", "safes", "orbits"),
    ),
    Step(
        "preprocess",
        always,
        declared=lambda s: per_swath(["reference/IW{n}.xml", "secondary/IW{n}.xml"], s),
        checks=lambda s: per_swath(["reference/IW{n}/burst_*.slc.xml", "secondary/IW{n}/burst_*.slc.xml"], s),
        invalidated_by=("Sensor name", "swaths", "polarization", "use virtual files"),
        description="reads SAFEs, orbits; swath products (burst SLCs are VRTs into the SAFE TIFFs)",
        cost=Cost(1, 2, 0.10, 0.0, "full", 2000, 20, 200, 2),
        slurm_group="topsapp_prep",
        reads=("pair_json", "safes", "orbits"),
    ),
    Step(
        "computeBaselines",
        always,
        description="common bursts, baselines (state in PICKLE/topsProc.xml)",
        cost=Cost(1, 1, 0.05, 0.0, "full", 1500, 10, 100, 0),
        slurm_group="topsapp_prep",
    ),
    Step(
        "verifyDEM",
        always,
        invalidated_by=("useHighResolutionDemOnly",),
        description="checks the DEM; must not download (demFilename is always set)",
        cost=Cost(1, 1, 0.0, 0.0, "full", 1500, 0, 100, 0),
        slurm_group="topsapp_prep",
        reads=("dem",),
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
        cost=Cost(4, 2, 1.20, 0.73, "full", 2000, 130, 500, 1500),
        reads=("dem",),
    ),
    Step(
        "subsetoverlaps",
        esd_on,
        description="ESD: the burst-overlap regions",
        declared=lambda s: (
            per_swath(["reference/overlaps/top_IW{n}.xml", "reference/overlaps/bottom_IW{n}.xml"], s)
            if esd_on(s)
            else []
        ),
        invalidated_by=("do ESD",),
        cost=Cost(1, 1, 0.05, 0.0, "full", 1500, 20, 100, 10),
        slurm_group="topsapp_esd",
    ),
    Step(
        "coarseoffsets",
        esd_on,
        description="ESD: geometry offsets of the overlaps",
        checks=lambda s: (
            per_swath(["coarse_offsets/overlaps/IW{n}/azimuth_top_*.off"], s) if esd_on(s) else []
        ),
        heavy=(
            Heavy(
                ("coarse_offsets/overlaps/IW*/*",),
                (("coarseresamp", esd_on), ("overlapifg", esd_on), ("prepesd", esd_on)),
            ),
        ),
        cost=Cost(2, 1, 0.20, 0.6, "full", 2000, 60, 100, 60),
        slurm_group="topsapp_esd",
    ),
    Step(
        "coarseresamp",
        esd_on,
        description="ESD: overlaps resampled",
        declared=lambda s: (
            per_swath(["coarse_coreg/overlaps/top_IW{n}.xml", "coarse_coreg/overlaps/bottom_IW{n}.xml"], s)
            if esd_on(s)
            else []
        ),
        heavy=(Heavy(("coarse_coreg/overlaps/IW*/*",), (("overlapifg", esd_on), ("rangecoreg", esd_on))),),
        cost=Cost(2, 1, 0.30, 0.6, "full", 2000, 60, 100, 60),
        slurm_group="topsapp_esd",
    ),
    Step(
        "overlapifg",
        esd_on,
        description="ESD: overlap interferograms",
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
        cost=Cost(1, 1, 0.10, 0.0, "full", 2000, 40, 100, 60),
        slurm_group="topsapp_esd",
    ),
    Step(
        "prepesd",
        esd_on,
        description="ESD: double-difference phase of the overlaps",
        checks=lambda s: (
            per_swath(["ESD/overlap_IW{n}_*.int", "ESD/freq_IW{n}_*.bin"], s) if esd_on(s) else []
        ),
        invalidated_by=("ESD azimuth looks", "ESD range looks"),
        cost=Cost(1, 1, 0.25, 0.0, "full", 2000, 40, 100, 40),
        slurm_group="topsapp_esd",
    ),
    Step(
        "esd",
        esd_on,
        declared=lambda s: (
            sum((raster(f"ESD/combined_IW{n}.off") for n in s["swaths"]), []) if esd_on(s) else []
        ),
        invalidated_by=("ESD coherence threshold", "extra ESD cycles"),
        description="raises 'Coherence threshold too strict' (exit 1) when no point passes",
        cost=Cost(1, 1, 0.15, 0.0, "full", 2000, 20, 100, 5),
        slurm_group="topsapp_esd",
    ),
    Step(
        "rangecoreg",
        esd_on,
        description="ESD: range misregistration",
        declared=lambda s: ["ESD/rangeMisregistration.jpg"] if esd_on(s) else [],
        invalidated_by=("offset SNR threshold",),
        cost=Cost(4, 2, 1.00, 0.6, "full", 3000, 60, 100, 5),
        slurm_group="topsapp_esd",
    ),
    Step(
        "fineoffsets",
        always,
        description="fine range/azimuth offsets per common burst from the geometry (and the ESD correction)",
        checks=lambda s: per_swath(["fine_offsets/IW{n}/azimuth_*.off", "fine_offsets/IW{n}/range_*.off"], s),
        heavy=(
            Heavy(
                ("fine_offsets/IW*/*",),
                (("fineresamp", always), ("ion", ion_on), ("burstifg", always)),
            ),
        ),
        cost=Cost(4, 2, 0.55, 0.7, "full", 2000, 80, 200, 280),
        slurm_group="topsapp_coreg",
    ),
    Step(
        "fineresamp",
        always,
        description="secondary bursts resampled onto the reference grid (fine_coreg)",
        declared=lambda s: per_swath(["fine_coreg/IW{n}.xml"], s),
        checks=lambda s: per_swath(["fine_coreg/IW{n}/burst_*.slc"], s),
        heavy=(
            Heavy(
                ("fine_coreg/IW*/burst_*",),
                (("ion", ion_on), ("burstifg", always), ("mergebursts", always), ("denseoffsets", dense_on)),
            ),
        ),
        cost=Cost(4, 2, 0.40, 0.7, "full", 2000, 100, 200, 280),
        slurm_group="topsapp_coreg",
    ),
    Step(
        "ion",
        ion_on,
        declared=lambda s: _ion_subband_files(s) + _ion_rawion_files(s) if ion_on(s) else [],
        invalidated_by=("do ionosphere correction", *ION_PROPERTIES),
        description="split-spectrum ionosphere, run as sub-step jobs (ION_SUBJOBS); snaphu unwraps the sub-bands",
        cost=Cost(4, 5, 1.20, 0.5, "full", 2000, 520, 500, 800),
    ),
    Step(
        "burstifg",
        always,
        description="burst interferograms and coherence",
        declared=lambda s: per_swath(["fine_interferogram/IW{n}.xml"], s),
        checks=lambda s: (
            per_swath(["fine_interferogram/IW{n}/burst_*.int", "fine_interferogram/IW{n}/burst_*.cor"], s)
            if s["do interferogram"]
            else []
        ),
        invalidated_by=("do interferogram",),
        heavy=(Heavy(("fine_interferogram/IW*/burst_*",), (("mergebursts", always),)),),
        cost=Cost(2, 2, 0.30, 0.6, "full", 2000, 60, 200, 650),
        slurm_group="topsapp_ifg",
    ),
    Step(
        "mergebursts",
        always,
        declared=lambda s: (
            raster("merged/topophase.flat")
            + raster("merged/topophase.cor")
            + raster("merged/los.rdr")
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
        cost=Cost(2, 2, 0.20, 0.5, "looks", 2000, 120, 200, 40),
        slurm_group="topsapp_ifg",
    ),
    Step(
        "filter",
        lambda s: bool(s["do interferogram"]),
        declared=lambda s: raster("merged/filt_topophase.flat") + raster("merged/phsig.cor"),
        invalidated_by=("filter strength",),
        description="Goldstein-Werner; ICU needs >= 265 multilooked lines",
        cost=Cost(1, 1, 0.05, 0.0, "looks", 2000, 60, 100, 20),
        slurm_group="topsapp_ifg",
    ),
    Step(
        "unwrap",
        unwrap_on,
        description="phase unwrapping (snaphu or ICU) and connected components",
        declared=lambda s: (
            raster(isce_files.UNWRAPPED) + raster(isce_files.conncomp(s["unwrapper name"]))
            if unwrap_on(s)
            else []
        ),
        invalidated_by=("do unwrap", "unwrapper name"),
        cost=Cost(1, 2, 0.25, 0.0, "looks", 2000, 150, 100, 15),
        slurm_group="topsapp_ifg",
    ),
    Step(
        "unwrap2stage",
        lambda s: bool(s["do unwrap 2 stage"]) and s["unwrapper name"] not in ("icu", "grass"),
        description="second-stage unwrapping (off in GUNW products)",
        invalidated_by=("do unwrap 2 stage", "unwrapper 2stage name", "SOLVER_2STAGE"),
        folds="previous",  # the second stage of unwrapping (reads unwrap's .unw and components): runs with it
        cost=Cost(1, 1, 0.02, 0.0, "looks", 1500, 20, 100, 2),
        slurm_group="topsapp_ifg",
    ),
    Step(
        "geocode",
        lambda s: bool(s["do interferogram"]),
        declared=_geocode_outputs,
        invalidated_by=("geocode list", "geocode bounding box"),
        description="missing geocode-list entries are skipped silently, hence every .geo is declared",
        cost=Cost(4, 2, 0.45, 0.7, "geo", 2000, 100, 200, 120),
        slurm_group="topsapp_geo",
        reads=("geocode_dem",),
    ),
    Step(
        "denseoffsets",
        dense_on,
        description="dense (ampcor) offsets; materialises merged/*.slc.full (reused if present, so removed first)",
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
        cost=Cost(4, 3, 1.20, 0.7, "full", 3000, 80, 200, 120),
        slurm_group="topsapp_geo",
    ),
    Step(
        "filteroffsets",
        dense_on,
        description="dense offsets filtered",
        declared=lambda s: raster("merged/filt_dense_offsets.bil") if dense_on(s) else [],
        invalidated_by=("SNR Threshold factor", "Filter NULL factor", "Filter window size"),
        cost=Cost(1, 1, 0.05, 0.0, "full", 1500, 10, 100, 5),
        slurm_group="topsapp_geo",
    ),
    Step(
        "geocodeoffsets",
        dense_on,
        description="dense offsets geocoded; rewrites merged/dem.crop, so dem.crop is never declared",
        declared=lambda s: (
            sum((raster(isce_files.geocoded(f)) for f in _OFFSET_FILES), []) if dense_on(s) else []
        ),
        invalidated_by=("offset geocode list",),
        cost=Cost(2, 1, 0.10, 0.6, "geo", 1500, 20, 100, 10),
        slurm_group="topsapp_geo",
        reads=("geocode_dem",),
    ),
)

STEP_NAMES: tuple[str, ...] = tuple(s.name for s in STEPS)
BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}

# Per-burst files: the directories (prefix of a `checks` pattern) whose files come one per burst, and which bursts:
# "reference"/"secondary" = every burst of that swath product, "common" = the common bursts (reference numbering)
# that computeBaselines records in topsProc.xml (docs/isce2-steps.md, "Output checks").
BURST_FILES = (
    ("reference/IW{n}/burst_", "reference"),
    ("secondary/IW{n}/burst_", "secondary"),
    ("geom_reference/IW{n}/", "common"),
    ("fine_offsets/IW{n}/", "common"),
    ("fine_coreg/IW{n}/burst_", "common"),
    ("fine_interferogram/IW{n}/burst_", "common"),
)

# Written by every step (docs/isce2-steps.md, pitfall 8): never declare them as outputs.
SHARED_FILES = ("topsProc.xml", "isce.log", "topsinsar.log", "tmp.unw", "denseampcor.log", "merged/dem.crop")

# Files ISCE reads implicitly from the cwd besides the given topsApp.xml (docs/isce2-steps.md, pitfall 9).
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


def previous(step: str) -> str | None:
    i = STEP_NAMES.index(step)
    return STEP_NAMES[i - 1] if i else None


def geocoded_rasters(properties: Properties) -> list[str]:
    """Binaries of every geocoded raster the steps declare (what packaging reads), in step order."""
    return [
        f
        for step in STEPS
        for f in step.declared(properties)
        if f.startswith("merged/") and f.endswith(isce_files.GEOCODED_SUFFIX)
    ]


def slurm_groups() -> dict[str, str]:
    """rule name -> SLURM group, for the rules' `group:` directive."""
    return {f"topsapp_{s.name}": s.slurm_group for s in STEPS if s.slurm_group}


@dataclass(frozen=True)
class Job:
    """One topsApp process (`--start=<first> --end=<last>`): a step that does work under the settings, with the
    neighbouring steps that only write their PICKLE. A process start costs ~1 s of ISCE2 imports and one
    scheduler job; half of the 24 steps do nothing with standard settings."""

    name: str
    """The working step (or the ionosphere sub-job, ION_SUBJOBS): the rule is topsapp_<name>."""
    steps: tuple[str, ...]
    ion: IonSubJob | None = None
    """Set for the jobs of the `ion` step: which ISCE ionosphere sub-steps the process runs."""

    @property
    def first(self) -> str:
        return self.steps[0]

    @property
    def last(self) -> str:
        return self.steps[-1]


def jobs(settings: Properties) -> tuple[Job, ...]:
    """The step chain cut into jobs: each working step with the idle steps that fold into it (Step.folds)."""
    groups: list[list[Step]] = []
    waiting: list[Step] = []  # idle steps waiting for the next working step
    for step in STEPS:
        if step.works(settings):
            groups.append(waiting + [step])
            waiting = []
        elif step.folds == "previous" and groups and not waiting:
            groups[-1].append(step)
        else:
            waiting.append(step)
    groups[-1] += waiting  # idle steps after the last working step join it
    out: list[Job] = []
    for g in groups:
        name = next(s.name for s in g if s.works(settings))
        names = tuple(s.name for s in g)
        # the ion step: one process per group of ionosphere sub-steps; the idle steps before it join the first
        if name == "ion":
            for i, sub in enumerate(j for j in ION_SUBJOBS if not j.side):
                out.append(Job(sub.name, names if i == 0 else ("ion",), sub))
        else:
            out.append(Job(name, names))
    return tuple(out)


def side_jobs(settings: Properties) -> tuple[Job, ...]:
    """topsApp processes outside the PICKLE chain (the burst-ramp sub-steps), when the ion step works."""
    if not BY_NAME["ion"].works(settings):
        return ()
    return tuple(Job(j.name, ("ion",), j) for j in ION_SUBJOBS if j.side)


def all_jobs(settings: Properties) -> tuple[Job, ...]:
    return jobs(settings) + side_jobs(settings)


def job_overrides(job: Job) -> dict:
    """Properties rendered differently for this job's process: the ionosphere sub-step range, and no ionosphere
    in the steps after it (mergebursts would otherwise interpolate ion/ion_cal/filt.ion itself; the project's
    ion_merge rule does, so a filter change never re-runs mergebursts)."""
    if job.ion is None:
        after_ion = all(STEP_NAMES.index(s) > STEP_NAMES.index("ion") for s in job.steps)
        return {"do ionosphere correction": False} if after_ion else {}
    return {
        "start ionosphere step": job.ion.first,
        "end ionosphere step": job.ion.last,
        **dict(job.ion.overrides),
    }


def job_pickle_steps(job: Job, settings: Properties) -> list[str]:
    """Steps whose PICKLE the job declares: every `ion` process rewrites PICKLE/ion, the last one declares it."""
    if job.ion is not None and job.ion.side:
        return []
    last_ion = [j.name for j in ION_SUBJOBS if not j.side][-1]
    return [s for s in job.steps if not (s == "ion" and job.ion is not None and job.name != last_ion)]


def job_description(job: Job) -> str:
    """One line for `snakemake --list-rules`: what the job's steps are and what its working step does."""
    steps = job.first if len(job.steps) == 1 else f"{job.first} .. {job.last}"
    if job.ion is not None:
        return f"topsApp step(s) {steps}: ionosphere sub-steps {job.ion.first} .. {job.ion.last}"
    what = BY_NAME[job.name].description
    return f"topsApp step(s) {steps}" + (f": {what}" if what else "")


def job_named(name: str, settings: Properties) -> Job | None:
    return next((j for j in all_jobs(settings) if j.name == name), None)


def job_of(step: str, settings: Properties) -> Job:
    return next(j for j in jobs(settings) if step in j.steps)


def job_params(job: Job, settings: Properties) -> dict:
    """What re-runs a job: the invalidating properties of its steps that are active. An idle step's own
    properties change nothing (switching it on gives it a job of its own, whose new outputs re-run it)."""
    out = {}
    for name in job.steps:
        if name == "ion" and job.ion is not None:
            out.update({k: settings[k] for k in job.ion.invalidated_by if k in settings})
        elif BY_NAME[name].active(settings):
            out.update(step_params(name, settings))
    return out


def job_declared(job: Job, settings: Properties) -> list[str]:
    """Fixed-name files the job's steps declare (besides their PICKLEs), in step order."""
    if job.ion is not None:
        return [f for name in job.steps if name != "ion" for f in BY_NAME[name].declared(settings)] + list(
            job.ion.declared(settings)
        )
    return [f for name in job.steps for f in BY_NAME[name].declared(settings)]


def job_checks(job: Job, settings: Properties) -> list[str]:
    if job.ion is not None:
        return list(job.ion.checks(settings))
    return [p for name in job.steps if BY_NAME[name].active(settings) for p in BY_NAME[name].checks(settings)]


def job_reads(job: Job) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for name in job.steps for r in BY_NAME[name].reads))


def previous_job(job: Job, settings: Properties) -> Job | None:
    if job.ion is not None and job.ion.side:  # loads the state the last chained ion process left
        return [j for j in jobs(settings) if j.ion is not None][-1]
    chain = jobs(settings)
    i = chain.index(job)
    return chain[i - 1] if i else None


def job_handoffs(settings: Properties) -> list[tuple[str, str, Heavy]]:
    """(producing job, last consuming job, group) for every heavy group that leaves the job that made it;
    a group made and last read inside one job is deleted at its end."""
    return [
        (job_of(p, settings).name, job_of(last, settings).name, g) for p, last, g in heavy_handoffs(settings)
    ]


def _outputs(job: Job, settings: Properties) -> list[str]:
    return [f for name in job_pickle_steps(job, settings) for f in pickle_files(name)] + job_declared(
        job, settings
    )


def first_rerun_job(
    old: Properties, new: Properties, keep_intermediates: bool, changed_reads: tuple[str, ...] = ()
) -> str | None:
    """The first job (under ``new``) that a change from ``old`` to ``new`` re-runs, or None, as Snakemake
    decides for the rules built from this table: a job re-runs when one of its outputs was made by a job with
    other params (or never), or when it reads a changed staged input (``changed_reads``: names of Step.reads);
    every later job follows through the PICKLE chain. Without kept intermediates, a re-run job that reads a
    heavy group made by an earlier job brings that producer back too (its files were deleted)."""
    recorded = {f: job_params(j, old) for j in jobs(old) for f in _outputs(j, old)}
    chain = jobs(new)
    first = next(
        (
            i
            for i, job in enumerate(chain)
            if any(recorded.get(f) != job_params(job, new) for f in _outputs(job, new))
            or set(job_reads(job)) & set(changed_reads)
        ),
        None,
    )
    if first is None:
        return None
    index = {j.name: i for i, j in enumerate(chain)}
    handoffs = [
        (index[job_of(p, new).name], [index[job_of(c, new).name] for c, cond in g.consumers if cond(new)])
        for p, _, g in heavy_handoffs(new)
    ]
    moved = not keep_intermediates
    while moved:
        earlier = [p for p, consumers in handoffs if p < first and any(c >= first for c in consumers)]
        moved = bool(earlier)
        first = min(earlier, default=first)
    return chain[first].name


# Properties only the project's ionosphere stages read (ion_filter's params); the other stage params (looks) are
# already invalidation keys of a topsApp job before them.
ION_STAGE_PROPERTIES = (
    "maximum window size for filtering ionosphere phase",
    "minimum window size for filtering ionosphere phase",
    "apply polynomial fit before filtering ionosphere phase",
)


def rerun_jobs(
    old: Properties, new: Properties, keep_intermediates: bool, changed_reads: tuple[str, ...] = ()
) -> list[str]:
    """Every topsApp job (chain and side jobs) that a change from ``old`` to ``new`` re-runs: the chain from
    first_rerun_job on, plus the burst-ramp side job and geocode (which reads the project's ionosphere files) when
    the ionosphere stages before them re-run (a filter setting, or anything up to ion_rawion)."""
    chain = jobs(new)
    names = [j.name for j in chain]
    first = first_rerun_job(old, new, keep_intermediates, changed_reads)
    out = names[names.index(first) :] if first else []
    sides = side_jobs(new)
    if sides:
        stages_changed = any(old.get(k) != new.get(k) for k in ION_STAGE_PROPERTIES) or not side_jobs(old)
        upstream = first is not None and names.index(first) <= names.index("ion_rawion")
        for side in sides:
            if stages_changed or upstream or job_params(side, old) != job_params(side, new):
                out.append(side.name)
                if "geocode" not in out:
                    out.append("geocode")
    return out


def step_params(step: str, settings: Properties) -> dict:
    """The slice of the settings that invalidates `step` (becomes the Snakemake rule's params)."""
    return {k: settings[k] for k in BY_NAME[step].invalidated_by if k in settings}


def heavy_handoffs(settings: Properties) -> list[tuple[str, str, Heavy]]:
    """(producer, last consumer, group) for every heavy group whose producer does real work."""
    out = []
    for step in STEPS:
        if not step.active(settings):
            continue
        for group in step.heavy:
            out.append((step.name, group.last_consumer(settings), group))
    return out


def describe(settings: Properties) -> list[dict]:
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
    from gunw_workflow.config import load_config

    settings = topsapp_xml.topsapp_properties(load_config(args.config))
    json.dump(describe(settings), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
