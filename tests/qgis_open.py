"""Open a GeoPackage's layers in QGIS (headless) as QGIS desktop does and print what QGIS sees.

Run by tests/test_present_geopackage.py with the system Python that has QGIS's bindings
(Debian package python3-qgis), not the project's virtual environment::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_open.py FILE.gpkg LAYER[,...] \
        [PNG] [DAY ...]

Prints one JSON object: per layer the renderer QGIS loaded from the GeoPackage's default style
(its type, rule labels or graduated attribute), field aliases, whether labels are on, the
temporal properties and, for each DAY (YYYY-MM-DD), the features a one-day frame of the
temporal controller selects; with PNG, the layers rendered to that image. QGIS desktop adds a
layer and then calls ``loadDefaultStyle()`` (QgsAppLayerHandling::postProcessAddedLayer); so
does this script.
"""

from __future__ import annotations

import json
import sys

from qgis.core import (
    QgsApplication,
    QgsDateTimeRange,
    QgsFeatureRequest,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorLayerTemporalContext,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QSize, QTime
from qgis.PyQt.QtGui import QColor


def describe(layer: QgsVectorLayer, days: list[str]) -> dict:
    r = layer.renderer()
    out = {"renderer": r.type() if r else None, "labels": layer.labelsEnabled(),
           "aliases": {f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())}}
    if r is not None and r.type() == "RuleRenderer":
        out["rules"] = [c.label() for c in r.rootRule().children()]
    if r is not None and r.type() == "graduatedSymbol":
        out["attr"], out["classes"] = r.classAttribute(), len(r.ranges())
    tp = layer.temporalProperties()
    out["temporal"] = {"active": tp.isActive(), "mode": int(tp.mode()),
                       "start_field": tp.startField(), "duration": tp.fixedDuration()}
    ctx = QgsVectorLayerTemporalContext()
    ctx.setLayer(layer)
    frames = {}
    for day in days:
        d = QDate.fromString(day, "yyyy-MM-dd")
        frame = QgsDateTimeRange(QDateTime(d, QTime(0, 0)), QDateTime(d.addDays(1), QTime(0, 0)),
                                 True, False)
        expr = tp.createFilterString(ctx, frame)
        frames[day] = [{"crossing_id": f["crossing_id"], "date": f["date"].toString("yyyy-MM-dd"),
                        "open": f["open"]}
                       for f in layer.getFeatures(QgsFeatureRequest().setFilterExpression(expr))]
    out["frames"] = frames
    return out


def main(argv: list[str]) -> int:
    path, names = argv[1], argv[2].split(",")
    png = argv[3] if len(argv) > 3 and argv[3].endswith(".png") else None
    days = [a for a in argv[3:] if not a.endswith(".png")]
    app = QgsApplication([], False)
    app.initQgis()
    layers, report = [], {}
    for name in names:
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if not layer.isValid():
            report[name] = {"valid": False}
            continue
        QgsProject.instance().addMapLayer(layer, False)  # the project owns (and frees) it
        layer.loadDefaultStyle()
        report[name] = {"valid": True, **describe(layer, days if name.endswith("_daily")
                                                  else [])}
        layers.append(layer)
    if png and layers:
        settings = QgsMapSettings()
        settings.setLayers(list(reversed(layers)))
        extent = QgsRectangle()
        for layer in layers:
            extent.combineExtentWith(layer.extent())
        extent.scale(1.2)
        settings.setExtent(extent)
        settings.setOutputSize(QSize(600, 480))
        settings.setBackgroundColor(QColor("white"))
        settings.setDestinationCrs(layers[0].crs())
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        job.renderedImage().save(png)
    print(json.dumps({"layers": report}), flush=True)
    layers.clear()
    QgsProject.instance().clear()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
