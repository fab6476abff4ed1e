"""The analyst's workbench in the browser: ``borderflow app``.

A FastAPI server (:mod:`.server`) serving one offline page (``static/``, with the Leaflet
bundled in ``borderflow/assets``), a run queue of worker processes (:mod:`.jobs`), safe paths
under the runs folder (:mod:`.paths`), the page's JSON views (:mod:`.views`) and the one module
that calls into borderflow (:mod:`.engine`). See docs/app.md.
"""
