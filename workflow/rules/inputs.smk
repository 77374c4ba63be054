"""Inputs: one check rule per pair (first in the DAG), then shared downloads under cache_dir.

Every download depends on the pair.json of the first configured pair that needs it, so nothing is fetched for a
pair before a pair using it has passed its checks, and a scene / frame shared by many pairs is one job, one file.
Network rules hold one unit of the `downloads` resource (the profile caps it, e.g. --resources downloads=4).
"""


rule check_pair:
    """Validate the pair (ids, credentials, ASF/local metadata, frame) and write pair.json; fails before downloads."""
    input:
        # local SAFEs are read for their metadata (and may be made by a rule, e.g. the demo generator)
        local_slcs=lambda w: (
            [slc_path(s) for s in pair_scenes(w)] if LOCAL["slc_dir"] else []
        ),
    output:
        f"{PAIR}/pair.json",
    log:
        f"{PAIR}/logs/check_pair.log",
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        ref=lambda w: pair_of(w)["reference_scenes"],
        sec=lambda w: pair_of(w)["secondary_scenes"],
        frame=lambda w: pair_of(w)["frame_id"],
        min_cov=config["min_frame_coverage"],
        slc_dir=LOCAL["slc_dir"],
        net=inputs_net_args("asf_search_url"),
    shell:
        "check_pair.py --name {wildcards.pair} --reference {params.ref}"
        " --secondary {params.sec} --frame-id {params.frame} --min-frame-coverage {params.min_cov}"
        " --slc-dir '{params.slc_dir}' --out {output} --log {log} {params.net}"


rule download_slc:
    """One SLC zip from ASF (Earthdata login; size + md5 verified; resumable)."""
    input:
        pair_json=inputs_scene_pair_json,
    output:
        f"{CACHE}/slc/{{scene}}.zip",
    log:
        f"{CACHE}/logs/download_slc/{{scene}}.log",
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        net=inputs_net_args("slc_base_url"),
    shell:
        "download_slc.py --scene {wildcards.scene} --pair-json {input.pair_json}"
        " --out {output} {params.net} 2> {log}"


rule download_orbit:
    """One EOF per scene: POEORB, else RESORB; ASF bucket, else CDSE. Real name + type in the .json sidecar."""
    input:
        pair_json=inputs_scene_pair_json,
    output:
        eof=f"{CACHE}/orbits/{{scene}}.EOF",
        meta=f"{CACHE}/orbits/{{scene}}.EOF.json",
    log:
        f"{CACHE}/logs/download_orbit/{{scene}}.log",
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        net=inputs_net_args("orbit_base_url"),
    shell:
        "download_orbits.py --scene {wildcards.scene} --out {output.eof} {params.net} 2> {log}"


rule download_dem:
    """1-arcsec GLO-30 DEM (ellipsoidal, pixel-centre) over the frame's product extent + 0.4 deg, ISCE format."""
    input:
        pair_json=inputs_dem_pair_json,
    output:
        multiext(f"{CACHE}/dem/{{dem_key}}/topo_1arcsec.dem.wgs84", "", ".xml", ".vrt"),
    log:
        f"{CACHE}/logs/download_dem/{{dem_key}}.log",
    wildcard_constraints:
        dem_key="frame[0-9]+|pair_[^/]+",
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        tiles=f"{CACHE}/dem/tiles/glo_30",
        net=inputs_net_args("dem_base_url"),
        out=lambda w, output: output[0],
    shell:
        "download_dem.py --pair-json {input.pair_json} --tile-dir {params.tiles}"
        " --out {params.out} {params.net} 2> {log}"


rule geocode_dem:
    """Geocoding DEM at the output posting (3 arcsec for 90 m), bilinear from the 1-arcsec DEM (no network)."""
    input:
        multiext(f"{CACHE}/dem/{{dem_key}}/topo_1arcsec.dem.wgs84", "", ".xml", ".vrt"),
    output:
        multiext(
            f"{CACHE}/dem/{{dem_key}}/geocode_{{res}}m.dem.wgs84", "", ".xml", ".vrt"
        ),
    log:
        f"{CACHE}/logs/geocode_dem/{{dem_key}}_{{res}}m.log",
    wildcard_constraints:
        dem_key="frame[0-9]+|pair_[^/]+",
        res="90",
    conda:
        "../../envs/inputs.yaml"
    threads: rule_resources("geocode_dem")["threads"]
    resources:
        mem_mb=rule_resources("geocode_dem")["mem_mb"],
        runtime=rule_resources("geocode_dem")["runtime"],
        disk_mb=rule_resources("geocode_dem")["disk_mb"],
    params:
        src=lambda w, input: input[0],
        out=lambda w, output: output[0],
    shell:
        "download_dem.py --from-dem {params.src} --posting-m {wildcards.res}"
        " --out {params.out} 2> {log}"


rule download_water_mask:
    """Water mask per frame for the ionosphere step (Natural Earth 10 m land polygons; 255 = water)."""
    input:
        pair_json=inputs_dem_pair_json,
    output:
        multiext(f"{CACHE}/water_mask/{{dem_key}}/water_mask.wgs84", "", ".xml", ".vrt"),
    log:
        f"{CACHE}/logs/download_water_mask/{{dem_key}}.log",
    wildcard_constraints:
        dem_key="frame[0-9]+|pair_[^/]+",
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        source=f"{CACHE}/static/ne_10m_land.zip",
        net=inputs_net_args("dem_base_url"),
        out=lambda w, output: output[0],
    shell:
        "download_water_mask.py --pair-json {input.pair_json} --source {params.source}"
        " --out {params.out} {params.net} 2> {log}"
