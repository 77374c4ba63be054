"""Sentinel-1 IW SLC pairs -> ARIA S1-GUNW products, ISCE2 topsApp one rule per step. See README.md."""

from snakemake.utils import min_version

min_version("9.0")


if not config:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/topsapp.smk"
include: "workflow/rules/product.smk"
include: "workflow/rules/demo.smk"


localrules:
    all,


# Every configured pair, packaged and validated.
rule all:
    input:
        expand(f"{RESULTS}/{{pair}}/product/validated.ok", pair=PAIR_NAMES),
    default_target: True
