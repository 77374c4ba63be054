"""A format- and behaviour-faithful stand-in for ISCE2 2.6.5 ``topsApp.py`` (tests only)."""
