"""The CPTED assessment store: experts' assessments of buildings, streets, spots and areas.

>>> from twin.assessments import load_form, MEASURE_IDS
>>> len(load_form().principles), MEASURE_IDS[0]
(7, 'street_lighting')

Public API:

- the form: :func:`load_form`, :func:`message`, :data:`PRINCIPLE_IDS`, :data:`MEASURE_IDS`;
- targets: :func:`target_from_building`, :func:`target_from_street`, :func:`target_from_spot`,
  :func:`target_from_area`, :func:`parse_coordinate`;
- content: :func:`make_assessment`, :class:`Assessment`, :class:`Target`, :class:`Version`,
  :func:`principle_scores`, :func:`overall_score`, :func:`diff_data`;
- photos: :func:`photo_from_upload`;
- who acts: :class:`Author`, :func:`current_author`;
- storage: :func:`open_store`, :class:`AssessmentStore`, :func:`store_signature` (what to
  cache reads on);
- roll-ups (pure): :func:`rollup_by_street`, :func:`rollup_by_buurt`, :func:`street_cpted_scores`,
  :func:`buurt_cpted_scores`, :func:`filter_assessments`, :func:`marker_payload`;
- exchange: :func:`export_assessments`, :func:`import_assessments`, :data:`COLUMNS`;
- errors: :class:`AssessmentError`, :class:`AssessmentInputError`, :class:`VersionConflict`,
  :class:`AssessmentNotFound`, :class:`ImportRejected`, :class:`ImportFileError`.
"""

from __future__ import annotations

from twin.assessments.columns import COLUMNS
from twin.assessments.errors import (
    AssessmentError,
    AssessmentInputError,
    AssessmentNotFound,
    VersionConflict,
)
from twin.assessments.exchange import (
    ImportRejected,
    ImportReport,
    RowError,
    export_assessments,
    import_assessments,
    photos_dir_for,
)
from twin.assessments.form import LANGUAGES, MEASURE_IDS, PRINCIPLE_IDS, load_form, message
from twin.assessments.formats import FORMATS, ImportFileError
from twin.assessments.identity import Author, current_author
from twin.assessments.photos import Photo, photo_from_upload
from twin.assessments.record import (
    NA,
    Assessment,
    Change,
    Target,
    Version,
    diff_data,
    make_assessment,
    overall_score,
    principle_scores,
)
from twin.assessments.rollup import (
    buurt_cpted_scores,
    filter_assessments,
    marker_payload,
    rollup_by_buurt,
    rollup_by_street,
    street_cpted_scores,
)
from twin.assessments.store import AssessmentStore, open_store, store_path, store_signature
from twin.assessments.target import (
    parse_coordinate,
    target_from_area,
    target_from_building,
    target_from_spot,
    target_from_street,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "LANGUAGES",
    "MEASURE_IDS",
    "NA",
    "PRINCIPLE_IDS",
    "Assessment",
    "AssessmentError",
    "AssessmentInputError",
    "AssessmentNotFound",
    "AssessmentStore",
    "Author",
    "Change",
    "ImportFileError",
    "ImportRejected",
    "ImportReport",
    "Photo",
    "RowError",
    "Target",
    "Version",
    "VersionConflict",
    "buurt_cpted_scores",
    "current_author",
    "diff_data",
    "export_assessments",
    "filter_assessments",
    "import_assessments",
    "load_form",
    "make_assessment",
    "marker_payload",
    "message",
    "open_store",
    "overall_score",
    "parse_coordinate",
    "photo_from_upload",
    "photos_dir_for",
    "principle_scores",
    "rollup_by_buurt",
    "rollup_by_street",
    "store_path",
    "store_signature",
    "street_cpted_scores",
    "target_from_area",
    "target_from_building",
    "target_from_spot",
    "target_from_street",
]
