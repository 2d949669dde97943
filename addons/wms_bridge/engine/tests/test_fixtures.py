"""Fixtures: golden files for what we write, both versions of what we read."""

from __future__ import annotations

import pytest

from wms_bridge.engine import edifact as ed
from wms_bridge.engine.x12 import Envelope, Separators, process_interchange, write_interchange

from .common import WHEN, delivery_940, fixture
from .test_edifact import desadv
from .test_x12_roundtrip import doc_856, doc_943

GOLDEN = {
    "940_005010.x12": lambda: write_interchange(
        Envelope("DISTRIBCO", "3PLWEST"), [("940", delivery_940())], control_number=1940, when=WHEN
    ),
    "943_004010.x12": lambda: write_interchange(
        Envelope(
            "DISTRIBCO",
            "3PLWEST",
            version="004010",
            separators=Separators("|", ":", "", "~", "\r\n"),
        ),
        [("943", doc_943())],
        control_number=1943,
        when=WHEN,
    ),
    "856_004010.x12": lambda: write_interchange(
        Envelope(
            "DISTRIBCO",
            "RETAILER",
            version="004010",
            sender_qualifier="01",
            receiver_qualifier="08",
        ),
        [("856", doc_856())],
        control_number=1856,
        when=WHEN,
    ),
    "856_005010.x12": lambda: write_interchange(
        Envelope("DISTRIBCO", "RETAILER", separators=Separators("^", "\\", "{", "'", "\n")),
        [("856", doc_856())],
        control_number=2856,
        when=WHEN,
    ),
    "desadv_d96a.edi": lambda: ed.write_interchange(
        ed.EdifactEnvelope(
            "5400000000001", "5412345000013", separators=ed.EdifactSeparators(suffix="\n")
        ),
        [("DESADV", desadv())],
        control_ref="DES0005",
        when=WHEN,
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_writer_output_is_stable(name: str) -> None:
    assert GOLDEN[name]().encode() == fixture(name)


@pytest.mark.parametrize("name", [n for n in sorted(GOLDEN) if n.endswith(".x12")])
def test_written_fixtures_are_valid(name: str) -> None:
    result = process_interchange(fixture(name))
    assert result.accepted, [s.describe() for s in result.sets]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("945_004010.x12", "945_005010.x12"),
        ("944_004010.x12", "944_005010.x12"),
        ("846_004010.x12", "846_005010.x12"),
        ("214_004010.x12", "214_005010.x12"),
    ],
)
def test_both_versions_read_the_same(a: str, b: str) -> None:
    ra, rb = process_interchange(fixture(a)), process_interchange(fixture(b))
    assert ra.accepted and rb.accepted
    assert (ra.ack_type, rb.ack_type) == ("997", "999")
    assert ra.sets[0].data == rb.sets[0].data
    assert ra.interchange.separators != rb.interchange.separators
