"""Error objects and the code lists they use (X12 and EDIFACT).

Every problem found in a document is an :class:`EdiError`: never an exception
escaping the reader.  Its ``code`` is the real code value of the standard for
the level it belongs to:

* ``level="interchange"`` (X12): TA105 interchange note code (``"001"`` ...).
* ``level="group"`` (X12): AK905 functional group syntax error code.
* ``level="set"`` (X12): AK502 / IK502 transaction set syntax error code.
* ``level="segment"`` (X12): AK304 / IK304 segment syntax error code.
* ``level="element"`` (X12): AK403 / IK403 data element syntax error code.
* EDIFACT (any level): 0085 syntax error code, used in UCI/UCM/UCS/UCD.

Code values, checked against ASC X12 005010 (999, 997, TA1) and ISO 9735
(syntax 4, CONTRL).  For 004010 997 the same numeric codes apply (AK304 1-8,
AK403 1-10, AK502 1-27, AK905 1-27); the ``I*`` implementation codes exist
only in 999.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- TA105 interchange note codes -------------------------------------------
TA1_NO_ERROR = "000"
TA1_CONTROL_NUMBER_MISMATCH = "001"  # ISA13 != IEA02
TA1_STANDARD_NOT_SUPPORTED = "002"
TA1_VERSION_NOT_SUPPORTED = "003"
TA1_INVALID_SEGMENT_TERMINATOR = "004"
TA1_INVALID_SENDER_QUALIFIER = "005"
TA1_INVALID_SENDER_ID = "006"
TA1_INVALID_RECEIVER_QUALIFIER = "007"
TA1_INVALID_RECEIVER_ID = "008"
TA1_INVALID_AUTH_QUALIFIER = "010"
TA1_INVALID_AUTH_VALUE = "011"
TA1_INVALID_SECURITY_QUALIFIER = "012"
TA1_INVALID_SECURITY_VALUE = "013"
TA1_INVALID_DATE = "014"
TA1_INVALID_TIME = "015"
TA1_INVALID_STANDARDS_ID = "016"
TA1_INVALID_VERSION_ID = "017"
TA1_INVALID_CONTROL_NUMBER = "018"
TA1_INVALID_ACK_REQUESTED = "019"
TA1_INVALID_TEST_INDICATOR = "020"
TA1_INVALID_GROUP_COUNT = "021"  # IEA01 != number of GS
TA1_INVALID_CONTROL_STRUCTURE = "022"
TA1_PREMATURE_END = "023"  # IEA missing / truncated
TA1_INVALID_CONTENT = "024"
TA1_DUPLICATE_CONTROL_NUMBER = "025"
TA1_INVALID_ELEMENT_SEPARATOR = "026"
TA1_INVALID_COMPONENT_SEPARATOR = "027"

# --- AK905 / AK9 functional group codes -------------------------------------
GROUP_NOT_SUPPORTED = "1"
GROUP_VERSION_NOT_SUPPORTED = "2"
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_NUMBER_MISMATCH = "4"  # GS06 != GE02
GROUP_COUNT_MISMATCH = "5"  # GE01 != number of ST
GROUP_CONTROL_NUMBER_SYNTAX = "6"
GROUP_CONTROL_NUMBER_NOT_UNIQUE = "19"

# --- AK502 / IK502 transaction set codes -------------------------------------
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_NUMBER_MISMATCH = "3"  # ST02 != SE02
SET_SEGMENT_COUNT_MISMATCH = "4"  # SE01 != actual count
SET_SEGMENTS_IN_ERROR = "5"
SET_INVALID_IDENTIFIER = "6"
SET_INVALID_CONTROL_NUMBER = "7"
SET_CONTROL_NUMBER_NOT_UNIQUE = "23"
SET_IMPLEMENTATION_SEGMENTS_IN_ERROR = "I5"  # 999 only

# --- AK304 / IK304 segment codes -------------------------------------------
SEG_UNRECOGNIZED = "1"
SEG_UNEXPECTED = "2"
SEG_MANDATORY_MISSING = "3"
SEG_LOOP_OVER_MAX = "4"
SEG_EXCEEDS_MAX_USE = "5"
SEG_NOT_IN_SET = "6"
SEG_NOT_IN_SEQUENCE = "7"
SEG_HAS_ELEMENT_ERRORS = "8"

# --- AK403 / IK403 element codes -------------------------------------------
ELEM_MANDATORY_MISSING = "1"
ELEM_CONDITIONAL_MISSING = "2"
ELEM_TOO_MANY_ELEMENTS = "3"
ELEM_TOO_SHORT = "4"
ELEM_TOO_LONG = "5"
ELEM_INVALID_CHARACTER = "6"
ELEM_INVALID_CODE = "7"
ELEM_INVALID_DATE = "8"
ELEM_INVALID_TIME = "9"
ELEM_EXCLUSION_VIOLATED = "10"
ELEM_TOO_MANY_REPETITIONS = "12"
ELEM_TOO_MANY_COMPONENTS = "13"

# --- EDIFACT 0085 syntax error codes (ISO 9735) ------------------------------
EDI_SYNTAX_NOT_SUPPORTED = "2"
EDI_INVALID_VALUE = "12"
EDI_MISSING = "13"
EDI_VALUE_NOT_SUPPORTED = "14"
EDI_NOT_SUPPORTED_IN_POSITION = "15"
EDI_TOO_MANY_CONSTITUENTS = "16"
EDI_UNSPECIFIED = "18"
EDI_INVALID_DECIMAL = "19"
EDI_INVALID_SERVICE_CHAR = "20"
EDI_INVALID_CHARACTERS = "21"
EDI_REFERENCES_MISMATCH = "28"
EDI_COUNT_MISMATCH = "29"
EDI_LOWER_LEVEL_EMPTY = "32"
EDI_INVALID_OCCURRENCE = "33"
EDI_SEGMENT_MISSING = "13"
EDI_TOO_MANY_REPETITIONS = "35"
EDI_INVALID_CHAR_TYPE = "37"
EDI_TOO_LONG = "39"
EDI_TOO_SHORT = "40"

X12_SEGMENT_CODE_TEXT = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}
X12_ELEMENT_CODE_TEXT = {
    "1": "mandatory data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
}


@dataclass(slots=True)
class EdiError:
    """One precise problem in a document.

    Positions are 1-based like the standards count them; ``None`` when they do
    not apply.  ``segment_index`` counts segments in the whole interchange
    (ISA / UNB = 1), ``set_position`` within the transaction set or message
    (ST / UNH = 1), ``element`` and ``component`` within the segment.
    """

    level: str
    code: str
    message: str
    segment_id: str | None = None
    segment_index: int | None = None
    set_position: int | None = None
    element: int | None = None
    component: int | None = None
    repetition: int | None = None
    element_ref: str | None = None
    bad_value: str | None = None
    loop_id: str | None = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class SegmentIssue:
    """A segment-level problem (AK3/IK3) with its element problems (AK4/IK4)."""

    segment_id: str
    set_position: int
    code: str
    loop_id: str = ""
    elements: list[EdiError] = field(default_factory=list)
    segment_index: int | None = None
