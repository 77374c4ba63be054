"""Sentinel-1 IW SLC pairs -> ARIA S1-GUNW products, ISCE2 topsApp one rule per step. See README.md."""

from snakemake.utils import min_version

min_version("9.0")


if not config:

    configfile: f"{workflow.basedir}/config/config.yaml"


envvars:
    "PATH",


wildcard_constraints:
    pair="[^/]+",
    scene="S1[A-D]_[A-Z0-9_]{63}",


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/topsapp.smk"
include: "workflow/rules/product.smk"
include: "workflow/rules/demo.smk"


localrules:
    all,


# Every configured pair, packaged and validated.
rule all:
    default_target: True
    input:
        expand(f"{RESULTS}/{{pair}}/product/validated.ok", pair=PAIR_NAMES),
