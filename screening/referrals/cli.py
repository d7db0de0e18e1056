"""The `letter` command: a family's (or one parent's private) referral letter as PDF."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from screening.core import letters
from screening.platform import audit
from screening.platform.db import connect
from screening.platform.db import one
from screening.platform.files import write_private
from screening.referrals import letter_data


@click.command("letter")
@click.argument("family_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(letters.LANGUAGES),
    default=None,
    help="Letter language; default: the family's preferred language.",
)
@click.option(
    "--caregiver",
    type=int,
    default=None,
    help="Print this parent's private letter (sensitive referrals) instead.",
)
@with_appcontext
def letter_command(family_id: int, out: Path, lang: str | None, caregiver: int | None) -> None:
    """Write the family's referral letter as a PDF.

    Nothing is written when no referral was accepted: a letter without a service only
    confuses a family (exit 2, as for an unknown family).
    """
    db = connect(current_app.config["DATABASE"])
    try:
        if caregiver is not None and not one(
            db, "SELECT id FROM caregivers WHERE id = ? AND family_id = ?", [caregiver, family_id]
        ):
            click.echo(f"letter: family {family_id} has no caregiver {caregiver}", err=True)
            raise SystemExit(2)
        built = letter_data.build_letter(
            db,
            family_id,
            head=letter_data.letterhead(current_app.config, current_app.instance_path),
            secret=str(current_app.config["SECRET_KEY"]).encode(),
            language=lang,
            caregiver_id=caregiver,
        )
        if built is None:
            click.echo(f"letter: no family with id {family_id}", err=True)
            raise SystemExit(2)
        if not built.services:
            click.echo(f"letter: family {family_id} has no accepted referrals", err=True)
            raise SystemExit(2)
        write_private(out, letters.render([built]))
        kind = "private" if caregiver is not None else "family"
        detail = f"kind={kind} lang={built.language} cli"
        audit.record("letter", "family", family_id, detail=detail, db=db)
    finally:
        db.close()
    click.echo(f"wrote {out} ({built.language}, {len(built.services)} services)")
