"""``localize cast``: the series cast. ``enrol`` proposes an episode's voices (or enrols the speakers its source
subtitles name), ``name`` puts a proposed voice into the cast under a character's name, ``voices`` lists (and
chooses) each character's dubbing voice per language."""

from __future__ import annotations

import click

from localize.cli import _work_dir, main


@main.group()
def cast() -> None:
    """Enrol the series' characters by voice, so every episode knows who speaks each line."""


@cast.command("enrol")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--episode", required=True, metavar="ID", help="An episode the job has run (voices embedded).")
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--from-subtitles", is_flag=True,
              help="Enrol the speakers the episode's source subtitle file names (ASS Name, <v>, 林凡：).")
def cast_enrol(job_file: str, episode: str, work: str | None, from_subtitles: bool) -> None:
    """Propose the episode's voices, each with a few of its lines, for `localize cast name`.

    Example: localize cast enrol jobs/series.yaml --episode ep01
    """
    from localize.casting import enrol_from_subtitles, propose, unknown_lines
    from localize.job import load_job

    job = load_job(job_file)
    work_dir = _work_dir(job, work)
    if from_subtitles:
        from localize.speakers.embedder import SpeakerEmbedder

        for name, lines in enrol_from_subtitles(job, work_dir, episode, SpeakerEmbedder.load()).items():
            click.echo(f"enrolled {name} from {lines} line(s)")
        click.echo(f"next: localize run {job_file}")
        return
    proposals = propose(job, work_dir, episode)
    for proposal in proposals:
        score = f" ({proposal.score:.2f})" if proposal.score is not None else ""
        click.echo(f"cluster {proposal.cluster}: {len(proposal.cues)} line(s), now {proposal.speaker}{score}")
        for line in proposal.lines:
            click.echo(f"    {line}")
    click.echo(f"{unknown_lines(proposals)} line(s) by voices the cast does not know; name a cluster with: "
               f"localize cast name {job_file} CLUSTER CHARACTER --episode {episode}")


@cast.command("name")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.argument("cluster", type=int)
@click.argument("character")
@click.option("--episode", required=True, metavar="ID", help="The episode `localize cast enrol` proposed.")
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
def cast_name(job_file: str, cluster: int, character: str, episode: str, work: str | None) -> None:
    """Put a proposed cluster's voice into the cast as CHARACTER (a new member, or another voiceprint of one).

    Example: localize cast name jobs/series.yaml 1 王秀兰 --episode ep01
    """
    from localize.casting import name_cluster
    from localize.job import load_job

    job = load_job(job_file)
    cast = name_cluster(job, _work_dir(job, work), episode, cluster, character)
    member = next(m for m in cast.members if m.name == character)
    click.echo(f"{character}: {len(member.voiceprints)} voiceprint(s) in {job.speakers.cast}; "
               f"next: localize run {job_file}")


@cast.command("voices")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
def cast_voices(job_file: str) -> None:
    """List the voice of every cast member in every target language, choosing one for those without (saved
    beside the cast file and reused by every episode; edit the file to recast a character).

    Example: localize cast voices jobs/series.yaml
    """
    from localize.casting import cast_voices_for, voice_map_file
    from localize.dub.voices import describe
    from localize.job import load_job

    job = load_job(job_file)
    for character, language, voice in describe(cast_voices_for(job)):
        click.echo(f"{character}\t{language}\t{voice}")
    click.echo(f"saved: {voice_map_file(job)}")
