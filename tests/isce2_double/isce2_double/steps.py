"""The 24 topsApp steps of the double, in ISCE2 2.6.5's order, and where each one is implemented.

Why: the workflow's rules declare the files these steps write; the file set per step follows the real recording
(../shared/isce2-recorded/*/manifest.tsv), sizes follow the actual inputs (bursts, looks, DEM, bbox). One module
per concern:

    preprocess     startup, preprocess, computeBaselines   SAFE -> swath products, common bursts, baselines
    topo           verifyDEM, topo                         DEM check, radar-geometry lat/lon/hgt/los
    overlaps       subsetoverlaps .. overlapifg            ESD burst-overlap chain
    esd            prepesd, esd, rangecoreg                ESD timing / range corrections
    coreg          fineoffsets, fineresamp                 geometric coregistration
    ion            ion                                     split-spectrum ionosphere stand-in
    interferogram  burstifg, mergebursts                   burst interferograms, merged/ mosaics
    unwrap         filter, unwrap, unwrap2stage            filtered phase, unwrapped phase, components
    geocode        geocode                                 geozero's grid, inverse lookup
    dense          denseoffsets .. geocodeoffsets          Ampcor dense offsets
"""

from __future__ import annotations

from collections.abc import Callable

from . import coreg, dense, esd, geocode, interferogram, ion, overlaps, preprocess, topo, unwrap
from .context import Context

STEPS: dict[str, Callable[[Context], None]] = {
    "startup": preprocess.step_startup,
    "preprocess": preprocess.step_preprocess,
    "computeBaselines": preprocess.step_computeBaselines,
    "verifyDEM": topo.step_verifyDEM,
    "topo": topo.step_topo,
    "subsetoverlaps": overlaps.step_subsetoverlaps,
    "coarseoffsets": overlaps.step_coarseoffsets,
    "coarseresamp": overlaps.step_coarseresamp,
    "overlapifg": overlaps.step_overlapifg,
    "prepesd": esd.step_prepesd,
    "esd": esd.step_esd,
    "rangecoreg": esd.step_rangecoreg,
    "fineoffsets": coreg.step_fineoffsets,
    "fineresamp": coreg.step_fineresamp,
    "ion": ion.step_ion,
    "burstifg": interferogram.step_burstifg,
    "mergebursts": interferogram.step_mergebursts,
    "filter": unwrap.step_filter,
    "unwrap": unwrap.step_unwrap,
    "unwrap2stage": unwrap.step_unwrap2stage,
    "geocode": geocode.step_geocode,
    "denseoffsets": dense.step_denseoffsets,
    "filteroffsets": dense.step_filteroffsets,
    "geocodeoffsets": dense.step_geocodeoffsets,
}
STEP_NAMES = list(STEPS)

__all__ = ["STEPS", "STEP_NAMES", "Context", "run"]


def run(name: str, ctx: Context) -> None:
    STEPS[name](ctx)
