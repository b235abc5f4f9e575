"""Cross-group analysis: prevalence, distinctive language, co-occurrence, candidate topics,
the framework matrix, and small-cell protection over all of them.

``analyse_project(project, store)`` computes everything and returns an ``AnalysisResult`` of
deterministic, sorted DataFrames; ``write_tables(project, result)`` writes them as CSV and
Parquet into the shareable zone. Only pseudonymised text is read. Heavy libraries (BERTopic,
sentence-transformers) load only when candidate topics are computed.
"""

from __future__ import annotations

from pathlib import Path

from .results import AnalysisResult, TopicsResult

__all__ = ["analyse_project", "write_tables", "attribution_for", "AnalysisResult", "TopicsResult"]


def _k(project) -> int:
    # Checked (a whole number, at least 1) when the settings were loaded.
    return project.settings.analysis.small_cell_k


def attribution_for(project, store) -> dict[tuple[str, str], str]:
    """Quote attributions keyed by (participant_id, group), e.g. "Practitioner, FG2"."""
    from .frames import load_frames

    return load_frames(store).disclosure(_k(project)).labels()


def analyse_project(project, store, topics: bool | None = None) -> AnalysisResult:
    """Run every cross-group analysis on the pseudonymised study in ``store``.

    ``topics`` overrides the ``[topics] enabled`` setting (None: use the setting).
    """
    from .cooccurrence import compute_cooccurrence
    from .distinctive import compute_distinctive_terms
    from .frames import codebook_parents, load_frames
    from .matrix import compute_matrix
    from .notes import study_summary, thin_data_notes
    from .prevalence import compute_prevalence
    from .topics import candidate_topics

    k = _k(project)
    frames = load_frames(store, codebook_parents(project))
    prevalence = compute_prevalence(frames, k)
    distinctive = compute_distinctive_terms(frames, k)
    cooccurrence = compute_cooccurrence(frames)
    enabled = project.settings.topics.enabled if topics is None else topics
    topic_result = candidate_topics(project, store, frames, k, enabled=enabled)
    matrix = compute_matrix(frames, k, prevalence)
    return AnalysisResult(
        prevalence=prevalence,
        distinctive_terms=distinctive,
        cooccurrence=cooccurrence,
        topics=topic_result,
        matrix=matrix,
        quotes_attribution=frames.disclosure(k).labels(),
        summary=study_summary(frames, k),
        thin_data=thin_data_notes(frames, prevalence, topic_result, k),
        k=k,
    )


def write_tables(project, result: AnalysisResult) -> list[Path]:
    """Write every table as CSV and Parquet into the shareable zone; return the paths.

    The tables are published together, and only once the leak gate has passed them."""
    from ..shareable import publication
    from ..spreadsheet_safety import write_csv

    written = []
    with publication(project, "analyse") as out:
        for stem, frame in result.tables().items():
            for suffix in ("csv", "parquet"):
                tmp = out.staged(f"{stem}.{suffix}")
                if suffix == "csv":
                    # Terms, labels and topic words come from speech: never a formula cell.
                    write_csv(frame, tmp, lineterminator="\n")
                else:
                    frame.to_parquet(tmp, index=False)
                written.append(out.target(f"{stem}.{suffix}"))
    return written
