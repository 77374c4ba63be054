"""Names of ISCE2 files that depend on the settings: written once, read by the step table, the topsApp.xml
renderer and packaging (docs/isce2-steps.md, "File names")."""

from __future__ import annotations

UNWRAPPED = "merged/filt_topophase.unw"
GEOCODED_SUFFIX = ".geo"


def conncomp(unwrapper: str) -> str:
    """Connected components of the unwrapped phase: ICU writes ``filt_topophase.conncomp``, every snaphu flavour
    ``filt_topophase.unw.conncomp``."""
    return "merged/filt_topophase.conncomp" if unwrapper == "icu" else UNWRAPPED + ".conncomp"


def geocoded(path: str) -> str:
    """The file geocode (or geocodeoffsets) writes for a radar-geometry file of its list."""
    return path + GEOCODED_SUFFIX
