"""Buying-signal events in a text: hiring by role, technology adoption and retirement, funding,
mergers and company size changes. Each is a rule on the wording, applied to titles and excerpts.
"""

# ruff: noqa: E501 - patterns and prose read better unbroken

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: tuple[tuple[str, str, float], ...] = (
    (
        "funding",
        r"\b(?:rais(?:es|ed|ing)|secur(?:es|ed)|clos(?:es|ed)|lands?|landed)\b[^.]{0,60}?"
        r"\b(?:seed|series [a-e]|funding|investment|round|capital|financing)\b"
        r"|\b(?:series [a-e]|seed) (?:round|funding)\b|\bbacked by\b[^.]{0,40}\b(?:investors?|capital)\b",
        0.8,
    ),
    (
        "merger",
        r"\b(?:acquir(?:es|ed|ing)|acquisition of|to acquire|merg(?:es|ed|er|ing)|takes? over|"
        r"took over|takeover|bought by|is acquired|has been acquired|joins forces with)\b",
        0.8,
    ),
    (
        "tech_retirement",
        r"\b(?:retir(?:es|ed|ing|e)|decommission\w*|sunset\w*|phas(?:e|es|ed|ing) out|"
        r"switch(?:es|ed|ing)? off|shut(?:s|ting)? down|end of (?:support|life)|end-of-(?:support|life)|"
        r"mov(?:es|ed|ing) off|leaving behind|migrat\w* (?:off|away from)|replac\w* (?:our|the|its) "
        r"(?:old|legacy|ageing|aging))\b",
        0.6,
    ),
    (
        "tech_adoption",
        r"\b(?:adopts?|adopted|roll(?:s|ed)? out|rolling out|deploy(?:s|ed|ing)?|implement(?:s|ed|ing)|"
        r"goes live|went live|go-live|selects?|selected|switch(?:es|ed)? to|migrat(?:es|ed) to|"
        r"mov(?:es|ed) to|standardis\w* on|standardiz\w* on|introduc(?:es|ed)|launch(?:es|ed))\b",
        0.6,
    ),
    (
        "size_change",
        r"\b(?:headcount|head count|workforce|new office|opens? (?:a |its |our )?(?:new |second |third )?"
        r"(?:office|site|branch|location|showroom|depot|plant)|expand\w* into|lay-?offs?|"
        r"redundanc\w*|now employ\w* \d+|grow\w* to \d+ (?:staff|employees|people)|"
        r"doubl\w* (?:the |its |our )?(?:team|staff))\b",
        0.5,
    ),
    (
        "job_posting",
        r"\b(?:we(?:'re| are) hiring|hiring:|now hiring|join our team|apply now|vacanc(?:y|ies)|"
        r"job (?:opening|description)|wanted:|is recruiting|we are recruiting|looking for an? "
        r"[A-Za-z ]{0,40}(?:engineer|manager|analyst|administrator|developer|specialist|technician|consultant|"
        r"bookkeeper|controller))\b",
        0.7,
    ),
)
_COMPILED = tuple((kind, re.compile(rx, re.IGNORECASE), s) for kind, rx, s in _RULES)
EVENT_TYPES = tuple(kind for kind, _, _ in _RULES)


@dataclass(frozen=True)
class Event:
    kind: str  # a signal type: funding, merger, tech_adoption, tech_retirement, size_change...
    strength: float
    evidence: str  # the words that matched


def detect_events(text: str) -> list[Event]:
    """Events a text announces, at most one of each kind.

    >>> [e.kind for e in detect_events("Fabrikam raises Series A funding and opens a new office")]
    ['funding', 'size_change']
    """
    out = []
    for kind, rx, strength in _COMPILED:
        m = rx.search(text)
        if m:
            out.append(Event(kind, strength, m.group(0)[:120]))
    return out
