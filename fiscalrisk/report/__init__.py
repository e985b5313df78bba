"""Presentation: bilingual labels (:mod:`.i18n`), offline Altair charts (:mod:`.charts`), the
data shaping of the managers' dashboard (:mod:`.dashboard_data`) and the tables of the regional
report (:mod:`.regional`)."""
