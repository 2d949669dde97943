"""EDI codec of wms_bridge: pure Python (stdlib only), never imports Odoo.

Modules
-------
* :mod:`.x12` - X12 reader (:class:`~.x12.X12Reader`, streaming generator of
  transaction sets), writer (:func:`~.x12.write_interchange`) and
  :func:`~.x12.process_interchange` (read + validate + map + acknowledgment).
* :mod:`.x12_schema` - segment dictionary, set structures, validators (fast
  regex path and precise diagnosis).
* :mod:`.x12_sets` - transaction sets <-> plain dicts (940, 945, 943, 944, 846,
  856, 214, 997/999); the dict shapes are documented on each writer.
* :mod:`.acks` - 997 / 999 / TA1 built from a read interchange, CONTRL built
  and read, summary of a received 997/999.
* :mod:`.edifact` - EDIFACT reader/writer (UNA, release character, UNOA/UNOB
  checks), ORDERS / INVRPT / DESADV / CONTRL, ``process_interchange``.
* :mod:`.errors` - :class:`~.errors.EdiError` and the code lists (TA105,
  AK905, AK502, AK304, AK403, EDIFACT 0085).

Nothing in here raises on bad input: problems are :class:`~.errors.EdiError`
objects with the standard's code and the position (segment index in the
interchange, position in the set, element, component).
"""
