"""Snakemake entry: draw one figure (PNG and PDF) from its summary table, by its kind."""


from rnnadd.logs import logged

with logged(snakemake.log[0]):
    from rnnadd.kinds import KINDS

    params, output = snakemake.params, snakemake.output
    kind = KINDS[params.kind]
    kind.figure(kind.read_table(snakemake.input[0], params.layout), params.plot,
                {"png": output.png, "pdf": output.pdf})
