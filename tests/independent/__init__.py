"""Independent re-implementations used to check borderflow from outside (nothing imported from
the package): an arc-based LP of the static model (:mod:`independent.arc_lp`)."""
