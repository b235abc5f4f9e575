"""What the exports read: pseudonymised turns, codes in force, the codebook, attribution.

Everything here comes from the working store's pseudonymised tables, never from raw turns, so
an export can only ever contain what pseudonymisation let through. Withdrawn participants are
absent from ``pseudo_turns``; they are dropped again against the register when one is readable,
so a withdrawal recorded after the last pseudonymise run still takes effect.
"""

from __future__ import annotations

__all__ = [
    "load_codes",
    "withdrawn_ids",
    "pseudo_turns",
    "attribution_map",
    "codings_in_force",
]


def load_codes(project) -> list:
    """The project's codebook codes (``fgkit.codebook.Code``) in codebook order; [] without one."""
    from ..codebook import load_codebook

    path = project.codebook_path
    if not path.is_file():
        return []
    return list(load_codebook(path).codes)


def withdrawn_ids(project) -> set[str]:
    """Participant ids the register marks as withdrawn (empty if no register can be read)."""
    if not project.register_path.is_file():
        return set()
    try:
        from ..participants import load_register
    except ImportError:
        return set()
    return set(load_register(project.register_path).withdrawn_ids())


def pseudo_turns(store, withdrawn: set[str]):
    """Pseudonymised turns (DataFrame, column ``group``) in transcript and turn order."""
    return store.participant_turns(withdrawn)


def attribution_map(turns, k: int) -> dict[tuple[str, str], str]:
    """Attribution strings for every non-facilitator speaker, by the small-cell rule."""
    from ..disclosure import attribution_labels

    people = turns[turns["role"] != "facilitator"][["participant_id", "role", "group"]]
    rows = sorted(set(map(tuple, people.itertuples(index=False, name=None))))
    return attribution_labels(rows, k)


def codings_in_force(store, withdrawn: set[str], include_suggestions: bool):
    """Accepted codings (and suggestions if asked), withdrawn participants removed."""
    from ..coding.status import effective_codings

    df = effective_codings(store)
    keep = ["accepted", "suggested"] if include_suggestions else ["accepted"]
    df = df[df["status"].isin(keep) & ~df["participant_id"].isin(withdrawn)]
    return df.reset_index(drop=True)
