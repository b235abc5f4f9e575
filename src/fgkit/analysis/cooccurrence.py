"""Which codes occur together: on the same segment, and within the same turn.

Counts use every coding in force (accepted and suggested). ``jaccard`` is the number of units
holding both codes over the number holding either, so frequent codes do not dominate. A parent
holds its sub-codes' segments, so a code and its own ancestor always co-occur: such pairs say
nothing and are left out.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from .frames import StudyFrames, ancestors, natural_key
from .results import COOCCURRENCE_COLUMNS

_UNITS = {"segment": "segment_id", "turn": "turn_id"}


def compute_cooccurrence(frames: StudyFrames) -> pd.DataFrame:
    rows = []
    for level, unit in _UNITS.items():
        pairs = frames.codings[[unit, "code"]].drop_duplicates()
        units_by_code = {code: set(g[unit]) for code, g in pairs.groupby("code")}
        codes = sorted(units_by_code, key=natural_key)
        for a, b in combinations(codes, 2):
            if a in ancestors(b, frames.parents) or b in ancestors(a, frames.parents):
                continue
            both = len(units_by_code[a] & units_by_code[b])
            if both:
                either = len(units_by_code[a] | units_by_code[b])
                rows.append({"level": level, "code_a": a, "code_b": b, "count": both,
                             "jaccard": round(both / either, 4)})
    table = pd.DataFrame(rows, columns=COOCCURRENCE_COLUMNS)
    if table.empty:
        return table.astype({"count": "int64", "jaccard": "float64"})
    table = table.assign(_a=[natural_key(v) for v in table["code_a"]],
                         _b=[natural_key(v) for v in table["code_b"]])
    table = table.sort_values(["level", "count", "_a", "_b"], ascending=[False, False, True, True])
    return table[COOCCURRENCE_COLUMNS].reset_index(drop=True)
