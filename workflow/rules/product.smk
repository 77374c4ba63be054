"""GUNW product: package the ISCE2 outputs of a pair, then validate (and deliver) it.

Fixed file names in the pair's product directory (the real product name is only known at run time and is
written to product_name.txt). `validate_gunw` is what `rule all` targets: it writes validated.ok only for a valid
product and then hard-links the delivery copy <results_dir>/products/<id>/<id>.{nc,json,png} (not a declared
output, because <id> is unknown when the DAG is built).
"""


rule package_gunw:
    """gunw.nc (layout from gunw_workflow.product.gunw_layout), metadata JSON, browse PNG and the product name."""
    input:
        done=P.pickle("geocodeoffsets"),
        pair_json=P.pair_json,
        isce=product_isce_inputs,
        orbits=P.orbits,
        water_mask=product_water_mask,
    output:
        nc=P.gunw_nc,
        json=P.gunw_json,
        png=P.gunw_png,
        name=P.product_name_txt,
    log:
        P.log("package_gunw"),
    benchmark:
        P.benchmark("package_gunw")
    conda:
        "../../envs/product.yaml"
    threads: rule_resources("package_gunw")["threads"]
    resources:
        mem_mb=rule_resources("package_gunw")["mem_mb"],
        runtime=rule_resources("package_gunw")["runtime"],
        disk_mb=rule_resources("package_gunw")["disk_mb"],
    params:
        pair_dir=lambda w: pair_dir(w).root,
        options=lambda w: json.dumps(product_options(w)),
        # the recorded config: compared by Snakemake, not in the command (gunw package rebuilds it from the
        # environment and pair.json with the same function)
        config=product_config_json,
        water=lambda w, input: (
            f"--water-mask {input.water_mask[0]}" if input.water_mask else ""
        ),
    shell:
        "gunw package --pair-dir {params.pair_dir:q} --options {params.options:q}"
        " --config-env {params.water} > {log:q} 2>&1"


rule validate_gunw:
    """Consumer checklist + layout table; fails the run with the list of violations. Delivers a valid product."""
    input:
        nc=P.gunw_nc,
        json=P.gunw_json,
        png=P.gunw_png,
        name=P.product_name_txt,
    output:
        ok=P.validated_ok,
    log:
        P.log("validate_gunw"),
    conda:
        "../../envs/product.yaml"
    params:
        products=RUN.products,
        record=lambda w: pair_dir(w).delivered_txt,
    shell:
        "gunw validate {input.nc:q} --name @{input.name:q} --json {input.json:q} --png {input.png:q}"
        " --deliver {params.products:q} --delivery-record {params.record:q} --ok {output.ok:q} > {log:q} 2>&1"


rule upload_gunw:
    """Uploads a validated product (.png, .json, then .nc) to s3://bucket/bucket_prefix as HyP3 does (bucket set)."""
    input:
        ok=P.validated_ok,
        nc=P.gunw_nc,
        json=P.gunw_json,
        png=P.gunw_png,
        name=P.product_name_txt,
    output:
        record=P.upload_record,
    log:
        P.log("upload_gunw"),
    conda:
        "../../envs/inputs.yaml"
    params:
        # where the copy goes: a changed destination uploads again (a changed retry count does not: `args`
        # depends on the output, so Snakemake does not compare it)
        bucket=config["bucket"],
        prefix=config["bucket_prefix"],
        endpoint=config["delivery"]["s3_endpoint_url"],
        args=lambda w, output: f"--retries {config['delivery']['retries']}",
    shell:
        "gunw upload-gunw --nc {input.nc:q} --png {input.png:q} --json {input.json:q} --name @{input.name:q}"
        " --bucket {params.bucket:q} --prefix {params.prefix:q} --endpoint-url {params.endpoint:q}"
        " {params.args} --record {output.record:q} > {log:q} 2>&1"
