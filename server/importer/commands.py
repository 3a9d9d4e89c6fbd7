"""`commons import SOURCE`: bring a resource centre's records in, or see what would happen."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from server.cli_checks import require_initialised

# Added to the `commons` group by `server.cli`.
import_commands = click.Group("import")

_SYMBOLS = {
    "create": "would create",
    "update": "would update",
    "skip": "would skip",
    "refuse": "would refuse",
}


def _mapping(values: tuple[str, ...]) -> dict[str, str]:
    mapped = {}
    for value in values:
        label, sep, slug = value.rpartition("=")
        if not sep or not label.strip() or not slug.strip():
            raise click.ClickException(f'--map {value!r}: write it as "label=slug"')
        mapped[label.strip()] = slug.strip()
    return mapped


@import_commands.command("import")
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "rss", "atom", "oai", "rdf"]),
    help="Guessed from the extension or the content when not given.",
)
@click.option(
    "--kind",
    type=click.Choice(["experience", "resource", "principle"]),
    help="Kind of item for records whose source does not say (default resource).",
)
@click.option("--set", "set_spec", help="OAI-PMH: harvest only this set.")
@click.option("--dry-run", is_flag=True, help="Write nothing; say what would be done.")
@click.option(
    "--publish", is_flag=True, help="Publish imported items (never those without an open licence)."
)
@click.option(
    "--create-unmatched",
    is_flag=True,
    help="Create a concept or place for every label that matches none.",
)
@click.option(
    "--create",
    "create_labels",
    multiple=True,
    metavar="LABEL",
    help="Create a concept or place for this label (repeatable).",
)
@click.option(
    "--map",
    "mapped",
    multiple=True,
    metavar="LABEL=SLUG",
    help="Take LABEL as the theme or territory SLUG (repeatable).",
)
@with_appcontext
def import_command(
    source, fmt, kind, set_spec, dry_run, publish, create_unmatched, create_labels, mapped
) -> None:
    """Import SOURCE (a file or an http(s) URL): CSV, RSS, Atom, OAI-PMH or RDF.

    Re-running the same import updates what changed, skips the rest, never duplicates.
    """
    from server.extensions import db
    from server.importer.errors import SourceError
    from server.importer.mapping import Choices
    from server.importer.run import Import, Options, audit_run, describe_unmatched, open_reader
    from server.models import ImportRun, ImportStatus, utcnow

    require_initialised()
    choices = Choices(create_unmatched, set(create_labels), _mapping(mapped))
    db.session.remove()  # no transaction open while the source is fetched
    try:
        reader, fmt = open_reader(source, fmt, set_spec=set_spec)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    run = None
    if not dry_run:
        run = ImportRun(
            source=source[:1000],
            format=fmt,
            kind=kind or "",
            status="running",
            options={"set": set_spec, "publish": publish, **choices.to_json()},
            total=reader.total or 0,
            started_at=utcnow(),
        )
        db.session.add(run)
        db.session.commit()
    options = Options(kind=kind, dry_run=dry_run, publish=publish, choices=choices)
    lines: list[str] = []

    def report(action: str, where: str, text: str) -> None:
        if action == "refuse":
            lines.append(f"refused  {where}: {text}")
        elif dry_run:
            lines.append(f"{_SYMBOLS[action]:<13} {where}: {text}")

    try:
        importer = Import(options, run, report=report)
        importer.matcher_check()
    except SourceError as exc:
        db.session.rollback()
        if run is not None:
            db.session.delete(run)
            db.session.commit()
        raise click.ClickException(str(exc)) from None
    label = "Checking" if dry_run else "Importing"
    show = sys.stderr.isatty() or bool(reader.total)
    with click.progressbar(length=reader.total or 0, label=label, file=sys.stderr) as bar:
        try:
            outcome = Import(
                options, run, progress=bar.update if show else None, report=report
            ).run(reader)
        except KeyboardInterrupt:
            db.session.rollback()
            if run is not None:
                run.move_to(ImportStatus.FAILED)
                run.error = "interrupted"
                audit_run(run)
                db.session.commit()
            raise click.ClickException(
                "interrupted: what was written is whole; run the same import again to finish"
            ) from None
    if run is not None:
        run.move_to(ImportStatus.DONE)
        run.finished_at = utcnow()
        audit_run(run)
        db.session.commit()
    for line in lines:
        click.echo(line)
    unmatched = describe_unmatched(outcome.unmatched)
    if unmatched:
        click.echo(
            'Matched nothing (use --map "label=slug", --create LABEL or --create-unmatched):'
        )
        for what, text, n in unmatched:
            click.echo(f"  {what} {text!r} ({n} record{'s' if n > 1 else ''})")
    for what, text in sorted(outcome.new_concepts):
        click.echo(f"would create {'concept' if what == 'theme' else 'place'} {text!r}")
    if outcome.to_confirm:
        kept = "would be kept" if dry_run else "kept"
        click.echo(f"No open licence, {kept} as drafts (licence to confirm):")
        for where in outcome.to_confirm:
            click.echo(f"  {where}")
    counts = outcome.counts
    verb = "would be " if dry_run else ""
    click.echo(
        f"{fmt}: {counts['create']} {verb}created, {counts['update']} {verb}updated, "
        f"{counts['skip']} {verb}skipped (unchanged), {counts['refuse']} {verb}refused."
    )
