"""Ranker models as signed data (issue 11): drop the pickled blobs; a model stored without signed
parameters can no longer be served, so it stops being the promoted one (the prior serves until the
next ``encadena train``)."""

VERSION = 90
DESCRIPTION = "RankerModel: remove pickled blobs; unsigned models are demoted"

STATEMENTS = (
    "MATCH (m:RankerModel) WHERE m.params IS NULL SET m.promoted = false",
    "MATCH (m:RankerModel) WHERE m.blob IS NOT NULL REMOVE m.blob",
)
