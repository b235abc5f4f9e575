from __future__ import annotations

from typing import Annotated, Optional

import typer

from .common import ProjectOption, guard, load_project, recorded_run


def _fmt(value: float) -> str:
    return "   n/a" if value != value else f"{value:6.2f}"


@guard
def agree_cli(
    coders: Annotated[list[str], typer.Argument(
        help="Two or more coders: a reviewer name, rules:v1, classifier:v1, refi:<name>, "
             "machine (any machine suggestion), reviewers (latest decision by anyone) or "
             "effective (codings in force).")],
    code: Annotated[Optional[list[str]], typer.Option(
        "--code", help="Only this code id (repeatable; default: every code either coder used).")] = None,
    project: ProjectOption = None,
) -> None:
    """Cohen's kappa, Krippendorff's alpha and percent agreement per code, and disagreements."""
    from ..coding.agreement import agreement, publish_agreement

    proj = load_project(project)
    with recorded_run(proj, "agree", parameters={"coders": coders, "codes": code}) as (store, _run):
        result = agreement(store, coders, codes=code or None)
        agreement_path, disagreements_path = publish_agreement(proj, result)
    typer.echo(f"Agreement between {' and '.join(coders)} over {result.overall['n_segments']} segments")
    typer.echo(f"{'code':<30} {'kappa':>6} {'alpha':>6} {'agree%':>6} {'n':>5}  strength")
    for rec in result.per_code.itertuples(index=False):
        typer.echo(f"{rec.code:<30} {_fmt(rec.kappa)} {_fmt(rec.alpha)} "
                   f"{100 * rec.percent_agreement:6.1f} {rec.n:>5}  {rec.label}"
                   + (f" ({rec.note})" if rec.note else ""))
    o = result.overall
    typer.echo(f"{'(all codes, pooled)':<30} {_fmt(o['kappa'])} {_fmt(o['alpha'])} "
               f"{100 * o['percent_agreement']:6.1f} {o['n']:>5}  {o['label']}")
    typer.echo(f"Mean kappa over codes: {_fmt(o['mean_kappa']).strip()}. "
               "Landis & Koch: 0.41-0.60 moderate, 0.61-0.80 substantial.")
    n_disagreements = 0 if result.disagreements is None else len(result.disagreements)
    typer.echo(f"{n_disagreements} disagreements to discuss: {disagreements_path}")
    typer.echo(f"Per-code table: {agreement_path}")
