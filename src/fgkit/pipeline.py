"""Project-level stages: each reads the project's inputs and the working store, writes results.

The CLI commands and ``fgkit run`` call these; tests call them directly.
"""

from __future__ import annotations

from .participants import Register, check_speakers, load_register

__all__ = ["ingest_project"]


def ingest_project(project, store) -> tuple[list, Register]:
    """Read every transcript, check every speaker is registered, then store the turns.

    Nothing is stored unless every file reads cleanly and every speaker is in the register.
    Transcripts whose files are gone are forgotten.
    """
    from .ingest import forget_missing, read_transcript, store_transcripts

    paths = project.transcript_files()
    transcripts = [read_transcript(path) for path in paths]
    register = load_register(project.register_path)
    check_speakers(
        register,
        {t.name: [(label, _first_line(t, label)) for label in t.speakers] for t in transcripts},
    )
    results = store_transcripts(transcripts, store)
    forget_missing(store, {t.name for t in transcripts})
    return results, register


def _first_line(transcript, label: str) -> int:
    return next(t.line for t in transcript.turns if t.speaker_label == label)
