"""The result contracts of every command, as pydantic models: what `run` and `compare` write
(``run``), `verify` (``verify``), `guidance` (``guidance``), `sweep` (``sweep``) and `live`
(``live``). Statistics that fill them are computed below (:mod:`testbed.experiments`); every
page, table and XML file is rendered from them above (:mod:`testbed.report`)."""
