"""borderflow: route export freight across alternative land border crossings.

Stages, each in its own module, data flowing one way::

    borderflow.data.loaders     read_tables()       CSV tables -> InputTables
    borderflow.data.checks      validate_tables()   cross-table rules -> ValidationReport
    borderflow.model.network    build_network()     tables + scenario -> FreightNetwork
    borderflow.model.routes     enumerate_routes()  networkx routes filtered by shelf life/licence
    borderflow.model.formulation build_model()      Pyomo LP, one define_* per constraint family
    borderflow.solvers.highs    solve()             HiGHS through highspy -> SolveSummary
    borderflow.model.results    extract_results()   tidy pandas tables
    borderflow.io / borderflow.gis                  run folders, GIS files, maps
"""

__version__ = "0.1.0"
