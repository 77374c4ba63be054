"""GUNW product: package the ISCE2 outputs of a pair, then validate (and deliver) it.

Fixed file names under {results_dir}/{pair}/product/ (the real product name is only known at run time and is
written to product_name.txt). `validate_gunw` is what `rule all` targets: it writes validated.ok only for a valid
product and then hard-links the delivery copy {results_dir}/products/<id>/<id>.{nc,json,png} (not a declared
output, because <id> is unknown when the DAG is built).
"""


rule package_gunw:
    """gunw.nc (layout from scripts/gunw_layout.py), metadata JSON, browse PNG and the product name."""
    input:
        done=f"{TOPSAPP}/PICKLE/geocodeoffsets",
        pair_json=f"{PAIR}/pair.json",
        isce=product_isce_inputs,
        orbits=f"{PAIR}/inputs/orbits",
        water_mask=lambda w: product_water_mask(w),
    output:
        nc=f"{PRODUCT}/gunw.nc",
        json=f"{PRODUCT}/gunw.json",
        png=f"{PRODUCT}/gunw.png",
        name=f"{PRODUCT}/product_name.txt",
    log:
        f"{PAIR}/logs/package_gunw.log",
    benchmark:
        f"{PAIR}/benchmarks/package_gunw.tsv"
    conda:
        "../../envs/product.yaml"
    threads: rule_resources("package_gunw")["threads"]
    resources:
        mem_mb=rule_resources("package_gunw")["mem_mb"],
        runtime=rule_resources("package_gunw")["runtime"],
        disk_mb=rule_resources("package_gunw")["disk_mb"],
    params:
        topsapp=lambda w, input: os.path.dirname(os.path.dirname(input.done)),
        out=lambda w, output: os.path.dirname(output.nc),
        logs=lambda w, output: os.path.join(
            os.path.dirname(os.path.dirname(output.nc)), "logs"
        ),
        settings=lambda w: json.dumps(product_settings(w)),
        config=product_config_json,
        water=lambda w, input: (
            f"--water-mask {input.water_mask[0]}" if input.water_mask else ""
        ),
    shell:
        "package_gunw.py --topsapp-dir {params.topsapp} --pair-json {input.pair_json}"
        " --out-dir {params.out} --settings {params.settings:q} --config {params.config:q}"
        " --orbit-dir {input.orbits} --log-dir {params.logs} {params.water} > {log} 2>&1"


rule validate_gunw:
    """Consumer checklist + layout table; fails the run with the list of violations. Delivers a valid product."""
    input:
        nc=f"{PRODUCT}/gunw.nc",
        json=f"{PRODUCT}/gunw.json",
        png=f"{PRODUCT}/gunw.png",
        name=f"{PRODUCT}/product_name.txt",
    output:
        ok=f"{PRODUCT}/validated.ok",
    log:
        f"{PAIR}/logs/validate_gunw.log",
    conda:
        "../../envs/product.yaml"
    params:
        products=f"{RESULTS}/products",
    shell:
        "validate_gunw.py {input.nc} --name @{input.name} --json {input.json} --png {input.png}"
        " --deliver {params.products} --ok {output.ok} > {log} 2>&1"
