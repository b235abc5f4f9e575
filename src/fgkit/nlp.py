"""Running the spaCy model over many texts.

A model pipeline runs about 1.5 to 1.9 times faster over two processes, but starting a process
(and loading the model in it) costs seconds, so a second process is used only when there is
enough text for it to pay off. Results are the same either way, in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["pipe", "processes_for", "reporting_progress"]

# Set by a command that shows progress; library callers see no difference.
_progress: ContextVar[Callable[[int, int], None] | None] = ContextVar("fgkit_model_progress", default=None)
_REPORT_EVERY = 64

# Below this many words the start-up of a second process costs more than it saves.
PARALLEL_MIN_WORDS = 60_000


def processes_for(texts: Sequence[str]) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2:
        return 1
    words = sum(text.count(" ") + 1 for text in texts)
    return 2 if words >= PARALLEL_MIN_WORDS else 1


@contextmanager
def reporting_progress(callback: Callable[[int, int], None]):
    """Within the block, every model pass calls ``callback(done, total)`` as texts come back."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


def pipe(nlp, texts: Sequence[str], batch_size: int = 64) -> Iterator:
    """``nlp.pipe`` over ``texts``, in order, with a second process when it pays."""
    docs = nlp.pipe(texts, batch_size=batch_size, n_process=processes_for(texts))
    callback = _progress.get()
    return docs if callback is None else _counted(docs, len(texts), callback)


def _counted(docs, total: int, callback: Callable[[int, int], None]) -> Iterator:
    callback(0, total)
    done = 0
    for done, doc in enumerate(docs, 1):
        if done % _REPORT_EVERY == 0:
            callback(done, total)
        yield doc
    callback(done, total)
