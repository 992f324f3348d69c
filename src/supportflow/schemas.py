"""Published JSON Schemas (draft 2020-12) of every document type supportflow persists."""

from ._kernel._public import publish
from ._persistence._schemas import SCHEMA_KINDS, json_schema, schema_file_name, schema_files

__all__ = ["SCHEMA_KINDS", "json_schema", "schema_file_name", "schema_files"]

publish(globals(), __all__)
