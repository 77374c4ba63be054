"""Items of the Snakemake report (`snakemake --report report.html`, workflow/report/): per pair a quick-look and
the product summary, per run the steps' costs and the stack overview. Targets of `rule all`, made from the
validated product only, so the report shows what was delivered."""


rule report_pair:
    """Quick-look (re-wrapped and unwrapped phase, coherence, colour bars, scale) and the product summary."""
    input:
        nc=P.gunw_nc,
        json=P.gunw_json,
        ok=P.validated_ok,
        pair_json=P.pair_json,
    output:
        quicklook=report(
            P.quicklook_png,
            caption="../report/quicklook.rst",
            category="1. Products",
            subcategory="{pair}",
            labels={"pair": "{pair}", "item": "quick-look"},
        ),
        summary=report(
            P.summary_html,
            caption="../report/summary.rst",
            category="1. Products",
            subcategory="{pair}",
            labels={"pair": "{pair}", "item": "product summary"},
        ),
        json=P.summary_json,
    log:
        P.log("report_pair"),
    conda:
        "../../envs/product.yaml"
    params:
        pair_dir=lambda w: pair_dir(w).root,
        products=RUN.products,
    shell:
        "gunw report-pair --pair-dir {params.pair_dir:q} --products {params.products:q} > {log:q} 2>&1"


rule report_run:
    """Job time and memory across pairs (benchmark files), the stack overview and a table of all pairs."""
    input:
        summaries=[RUN.pair(name).summary_json for name in PAIR_NAMES],
    output:
        listing=RUN.report_listing,
        benchmarks=report(
            RUN.benchmarks_png,
            caption="../report/benchmarks.rst",
            category="2. Run",
            labels={"item": "job time and memory"},
        ),
        stack=report(
            RUN.stack_png,
            caption="../report/stack.rst",
            category="3. Stack",
            labels={"item": "time vs perpendicular baseline"},
        ),
        table=report(
            RUN.stack_html,
            caption="../report/stack_table.rst",
            category="3. Stack",
            labels={"item": "all pairs"},
        ),
    log:
        RUN.report_log,
    run:
        report_listing(input.summaries, output.listing)
        shell(
            "gunw report-run --summaries {output.listing:q} --benchmarks-png {output.benchmarks:q}"
            " --stack-png {output.stack:q} --stack-html {output.table:q} > {log:q} 2>&1"
        )
