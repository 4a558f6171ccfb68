"""Render an email from templates/emails/<name>.txt (which sets its subject) and <name>.html."""

import re
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from directory.config import PROJECT_ROOT

TEMPLATE_FOLDER = PROJECT_ROOT / "templates" / "emails"
# Names are chosen by code, never by a request; the pattern keeps them inside the folder all the same.
NAME = re.compile(r"[a-z][a-z0-9_]*")
# The column's length (OutboxMessage.subject).
SUBJECT_LIMIT = 300


class TemplateError(ValueError):
    """An email template that cannot make an email: a bad name, or no usable subject."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


@cache
def environment() -> Environment:
    """Built on first use. Plain text is not escaped (it is not HTML); .html is. A missing variable is an error,
    never an empty gap in an email."""
    return Environment(
        loader=FileSystemLoader(TEMPLATE_FOLDER),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, /, **context) -> RenderedEmail:
    """The subject (`{% set subject = "..." %}` in the .txt), the text body and, if <name>.html exists, the HTML."""
    if not NAME.fullmatch(template):
        raise TemplateError(f"Not an email template name: {template!r}")
    env = environment()
    module = env.get_template(f"{template}.txt").make_module(context)
    subject = getattr(module, "subject", None)
    if not isinstance(subject, str) or not subject.strip() or len(subject) > SUBJECT_LIMIT \
            or "\n" in subject or "\r" in subject:
        raise TemplateError(f"emails/{template}.txt must set a subject: one line of at most {SUBJECT_LIMIT} characters")
    text = str(module).strip() + "\n"
    html = None
    if (TEMPLATE_FOLDER / f"{template}.html").exists():
        html = env.get_template(f"{template}.html").render(context, subject=subject)
    return RenderedEmail(subject=subject.strip(), text=text, html=html)
