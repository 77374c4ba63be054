"""Burst mode (download_mode burst / auto with a frame): one SAFE per date from only the bursts the frame needs.

The check rule found the bursts of each date (ASF burst search) and recorded them in pair.json; this rule
fetches each burst once into cache_dir/bursts/ (shared by every date key and pair) and assembles the date's SAFE
with burst2safe. The SAFE is keyed by frame + date + polarisation + swaths, so every pair of a frame stack that
uses a date shares it; staging and the topsApp steps read it exactly like an SLC (common.smk role_safes).
"""


rule burst_safe:
    """One date's SAFE from its bursts (Earthdata login; retried, resumable, verified; burst2safe assembly)."""
    input:
        pair_json=inputs_burst_safe_pair_json,
    output:
        safe=directory(CACHE.burst_safe("{key}")),
        record=CACHE.burst_safe_record("{key}"),
    log:
        CACHE.log("burst_safe", "{key}"),
    wildcard_constraints:
        key=run_layout.BURST_SAFE_KEY_PATTERN,
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        cache=lambda w, output: CACHE.root,  # bursts/data and bursts/metadata under it (layout)
        net=lambda w, output: inputs_net_args("burst_base_url"),
    shell:
        "gunw burst-safe --pair-json {input.pair_json:q} --key {wildcards.key} --cache-dir {params.cache:q}"
        " --out {output.safe:q} --record {output.record:q} {params.net} --log {log:q}"
