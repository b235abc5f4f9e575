"""The jinja2 environment: package templates, overridable from ``<project>/templates/``."""

from __future__ import annotations

import re

__all__ = ["environment", "md_escape", "render"]

# Inline Markdown syntax, plus "<" and "&" as entities, so quoted speech can neither format
# the document nor inject markup into a viewer that renders inline HTML. Characters that only
# matter at the start of a line are escaped there alone, to keep the text readable.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^([#>+\-=])")
_MD_ORDERED = re.compile(r"^(\d+)\.")


def md_escape(value) -> str:
    from markupsafe import Markup

    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ORDERED.sub(r"\1\\.", _MD_LINE_START.sub(r"\\\1", text))
    return Markup(text)


def environment(project):
    """Project templates first, then the ones shipped with fgkit."""
    from jinja2 import (
        ChoiceLoader,
        Environment,
        FileSystemLoader,
        PackageLoader,
        StrictUndefined,
    )

    loader = ChoiceLoader(
        [FileSystemLoader(str(project.root / "templates")), PackageLoader("fgkit.report", "templates")]
    )
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def render(project, name: str, **context) -> str:
    """Render one template; a broken project template is reported by file and line."""
    from jinja2 import TemplateError, TemplateSyntaxError

    from ..errors import InputError

    env = environment(project)
    try:
        return env.get_template(name).render(**context)
    except TemplateSyntaxError as exc:
        raise InputError(
            f"template error: {exc.message}; fix the template or delete it to use fgkit's own",
            exc.filename or name,
            exc.lineno,
        ) from None
    except TemplateError as exc:
        override = project.root / "templates" / name
        where = override if override.is_file() else name
        raise InputError(
            f"template cannot be rendered ({exc.message}); fix the template or delete it to use "
            "fgkit's own",
            where,
        ) from None
