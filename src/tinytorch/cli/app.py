"""``tito``: the learner's command line — set-up checks, modules, progress and milestones.

Built on Typer (commands and help) and Rich (colours and tables); every
listing command takes ``--json`` for scripts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .. import curriculum, exercises
from . import doctor as doctor_checks
from . import feedback, grading
from .workspace import (
    Progress,
    WorkspaceError,
    find_workspace,
    is_learner_edition,
    mark_learner_edition,
    module_or_error,
    run_module_tests,
)

app = typer.Typer(help="TinyTorch's learner CLI: build the framework module by module.", no_args_is_help=True)
module_app = typer.Typer(help="Start, test and complete the course's modules.", no_args_is_help=True)
milestone_app = typer.Typer(help="Run the historical milestones your modules unlock.", no_args_is_help=True)
instructor_app = typer.Typer(help="Instructor tools.", no_args_is_help=True)
app.add_typer(module_app, name="module")
app.add_typer(milestone_app, name="milestone")
app.add_typer(instructor_app, name="instructor")
console = Console()

WorkspaceOption = Annotated[Optional[Path], typer.Option("--workspace", "-w", help="The TinyTorch checkout.")]  # noqa: UP045
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def workspace_or_fail(path: Path | None) -> Path:
    try:
        return find_workspace(path)
    except WorkspaceError as error:
        fail(str(error))
        raise  # unreachable: fail() exits


@app.callback()
def main() -> None:
    """TinyTorch's learner CLI."""


@app.command()
def doctor(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Check Python, NumPy, BLAS, the installed packages and the data sets."""
    try:
        root: Path | None = find_workspace(workspace)
    except WorkspaceError:
        root = None
    checks = doctor_checks.run_checks(root)
    if as_json:
        print(doctor_checks.as_json(checks))
    else:
        table = Table(title="tito doctor")
        for column in ("", "check", "found", "fix"):
            table.add_column(column)
        for check in checks:
            mark = "[green]✓[/]" if check.ok else ("[red]✗[/]" if check.required else "[yellow]![/]")
            table.add_row(mark, check.name, check.detail, check.fix)
        console.print(table)
    if any(not c.ok and c.required for c in checks):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------- modules
def prerequisites(module: curriculum.Module) -> list[curriculum.Module]:
    """Earlier modules in the packages this module builds on."""
    needed = set(curriculum.closure(module.package))
    return [m for m in curriculum.MODULES if m.number < module.number and m.package in needed]


@module_app.command("list")
def module_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """The twenty modules, their packages and your progress."""
    root = workspace_or_fail(workspace)
    progress = Progress.load(root)
    rows = [{"module": m.tag, "name": m.name, "title": m.title, "package": m.package,
             "packages": list(m.packages), "available": curriculum.is_built(m, root),
             "state": progress.state(m.number)} for m in curriculum.MODULES]  # fmt: skip
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="TinyTorch modules")
    for column in ("#", "module", "packages", "state"):
        table.add_column(column)
    colours = {"complete": "green", "in progress": "yellow", "not started": "dim"}
    for row in rows:
        state = row["state"] if row["available"] else "not yet written"
        packages = ", ".join(row["packages"])
        table.add_row(row["module"], row["title"], packages, f"[{colours.get(state, 'dim')}]{state}[/]")
    console.print(table)


@module_app.command("start")
def module_start(
    number: int,
    force: Annotated[
        bool, typer.Option("--force", help="Restart over your work / skip prerequisites.")
    ] = False,
    in_reference: Annotated[
        bool, typer.Option("--in-reference", help="Stub the reference checkout itself (developers).")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Replace module NUMBER's solution with stubs for you to write."""
    root = workspace_or_fail(workspace)
    progress = Progress.load(root)
    try:
        module = module_or_error(number)
    except WorkspaceError as error:
        fail(str(error))
    absent = [p for p in module.packages if not (root / "packages" / p).is_dir()]
    if absent:
        fail(f"module {module.tag} lives in {', '.join(absent)}, which this checkout does not have yet")
    if module.number in curriculum.PLANNED:
        fail(f"module {module.tag} ({module.title}) is planned but not written yet: nothing to start")
    missing = [m.tag for m in prerequisites(module) if not progress.complete(m.number)]
    if missing and not force:
        fail(
            f"module {module.tag} builds on modules {', '.join(missing)}: complete them first "
            "(tito module complete NN), or pass --force"
        )
    if progress.state(number) != "not started" and not force:
        fail(
            f"module {module.tag} is already {progress.state(number)}; starting again would overwrite "
            "your work. "
            "Pass --force to do it anyway."
        )
    if not is_learner_edition(root) and not in_reference:
        fail(
            f"{root} is the reference checkout: its regions hold the solutions, and starting a module "
            "here deletes them. Make your own edition with tito init ../my-tinytorch and work there, "
            "or pass --in-reference to stub it here anyway"
        )
    regions = exercises.stub_module(root, module.packages, module.number)
    progress.mark(progress.started, number)
    progress.completed.pop(module.tag, None)
    progress.save()
    chapter = root / "docs" / "modules" / f"{module.tag}-{module.name}.md"
    regions = exercises.module_regions(root, module.packages, module.number)  # their lines in the stubs
    extras = [r for r in regions if r.extra]
    count = f"{len(regions)} exercises to write" + (
        f" ({len(regions) - len(extras)} core, {len(extras)} optional extras)" if extras else ""
    )
    console.print(f"[bold]module {module.tag} — {module.title}[/]: {count}")
    console.print(f"read: {chapter.relative_to(root).as_posix()}", highlight=False, soft_wrap=True)
    shown_extras = False
    for region in sorted(regions, key=lambda r: (r.extra, r.path, r.first)):
        if region.extra and not shown_extras:
            shown_extras = True
            console.print(
                f"optional extras (tito module test {module.tag} --extras; complete does not need them):"
            )
        guidance = exercises.lesson_comments(region.path.read_text().splitlines()[region.first :])
        where = f"{region.path.relative_to(root).as_posix()}:{region.first + 1 + len(guidance)}"
        section = exercises.region_section(chapter, region.function, guidance)
        shown = f"  {where}  {region.function}" + (f" — § {section}" if section else "")
        console.print(shown, highlight=False, soft_wrap=True)
    extra_tests = [p.name for p in module.test_files(root, "extras")]
    if extra_tests and not extras:  # options inside core exercises (module 05's cross-entropy)
        console.print(
            f"optional extras: {', '.join(extra_tests)} (tito module test {module.tag} --extras; "
            "complete does not need them)",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"Then run [bold]tito module test {module.tag}[/] (-x: stop at the first failure).")


@module_app.command("test", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def module_test(
    ctx: typer.Context,
    number: int,
    exercise: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="Only the tests whose names contain this (pytest -k), e.g. softmax."),
    ] = None,
    exitfirst: Annotated[bool, typer.Option("-x", "--exitfirst", help="Stop at the first failure.")] = False,
    keyword: Annotated[
        Optional[str], typer.Option("-k", help="pytest's -k expression: which tests to run.")  # noqa: UP045
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="pytest's own output, not the summary.")] = False,
    extras: Annotated[
        bool, typer.Option("--extras", help="The optional extras' tests (test_NN_*_extras.py), not the core.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Run module NUMBER's core tests against your code and summarise them (pytest options pass through).

    --extras runs the module's optional extras' tests instead.
    """
    root = workspace_or_fail(workspace)
    selection = [expr for expr in (exercise, keyword) if expr]
    extra = ["-x"] if exitfirst else []
    extra += [*(["-k", " and ".join(selection)] if selection else []), *ctx.args]
    try:
        module = module_or_error(number)
        code = tested(root, module, extra, full, "extras" if extras else "core")
    except WorkspaceError as error:
        fail(str(error))
    raise typer.Exit(code)


def tested(
    root: Path, module: curriculum.Module, extra: list[str], full: bool = False, part: str = "core"
) -> int:
    """Run the module's tests of ``part`` ("core", "extras"); print pytest's output (``full``) or the
    short report. Returns the exit code."""
    if full:
        return run_module_tests(root, module, extra, part=part)
    code, lines = feedback.run_and_summarise(root, module, extra, part)
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
    return code


@module_app.command("complete")
def module_complete(number: int, workspace: WorkspaceOption = None) -> None:
    """Run module NUMBER's core tests and, if they pass, record it as complete (extras: reported only)."""
    root = workspace_or_fail(workspace)
    try:
        module = module_or_error(number)
    except WorkspaceError as error:
        fail(str(error))
    if Progress.load(root).state(number) == "not started" and not is_learner_edition(root):
        fail(
            f"module {module.tag} was never started: its regions still hold the reference solution, "
            f"so its tests would pass without your code. Run tito module start {module.tag} first"
        )
    try:
        code = tested(root, module, [])
    except WorkspaceError as error:
        fail(str(error))
    if code != 0:
        console.print(f"[red]module {module.tag} is not complete yet: its tests fail[/]")
        raise typer.Exit(1)
    progress = Progress.load(root)
    progress.mark(progress.completed, number)
    progress.save()
    console.print(f"[green]module {module.tag} complete[/]")
    if module.test_files(root, "extras"):
        report_extras(root, module)
    for milestone in curriculum.MILESTONES:
        if number in milestone.requires and all(progress.complete(n) for n in milestone.requires):
            console.print(
                f"[bold green]milestone {milestone.tag} unlocked:[/] {milestone.year} — {milestone.title}"
            )


def report_extras(root: Path, module: curriculum.Module) -> None:
    """One line on the module's optional extras: how many of their tests pass (never required)."""
    with tempfile.TemporaryDirectory(prefix="tito-") as folder:
        path = Path(folder) / "extras.json"
        try:
            run_module_tests(root, module, [], report=path, part="extras")
        except WorkspaceError as error:
            console.print(f"optional extras: not run ({str(error).splitlines()[0]})", highlight=False)
            return
        report = feedback.Report.read(path)
    passed, total = report.count("passed"), len(report.outcomes) + len(report.collection_errors)
    state = "[green]all pass[/]" if passed == total else f"tito module test {module.tag} --extras for details"
    console.print(f"optional extras: {passed}/{total} tests pass (not required) — {state}", highlight=False)


@module_app.command("status")
def module_status(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Your progress through the modules, and which milestones are unlocked."""
    root = workspace_or_fail(workspace)
    progress = Progress.load(root)
    done = [m.tag for m in curriculum.MODULES if progress.complete(m.number)]
    unlocked = [m.tag for m in curriculum.MILESTONES if all(progress.complete(n) for n in m.requires)]
    started = [m.tag for m in curriculum.MODULES if progress.state(m.number) == "in progress"]
    if as_json:
        print(
            json.dumps({"complete": done, "in_progress": started, "milestones_unlocked": unlocked}, indent=2)
        )
        return
    console.print(f"modules complete: {len(done)}/{len(curriculum.MODULES)} {' '.join(done)}")
    console.print(f"in progress: {' '.join(started) or 'none'}")
    for m in curriculum.MILESTONES:
        mark = "[green]unlocked[/]" if m.tag in unlocked else "[dim]locked[/]"
        console.print(f"milestone {m.tag} ({m.year}) {m.title}: {mark}")


@module_app.command("reset")
def module_reset(
    number: int,
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask: discard your work.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Put module NUMBER back to fresh stubs, discarding your work on it."""
    root = workspace_or_fail(workspace)
    try:
        module = module_or_error(number)
    except WorkspaceError as error:
        fail(str(error))
    if not is_learner_edition(root) and Progress.load(root).state(number) == "not started":
        fail(f"module {module.tag} was never started here: reset would stub the reference solution")
    if not yes and not typer.confirm(f"Discard your work on module {module.tag}?"):
        raise typer.Exit(1)
    regions = exercises.stub_module(root, module.packages, module.number)
    progress = Progress.load(root)
    progress.mark(progress.started, number)
    progress.completed.pop(module.tag, None)
    progress.save()
    console.print(f"module {module.tag}: {len(regions)} exercises reset to stubs")


# ---------------------------------------------------------------------------- milestones
def ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` as ``"01–03, 05"``."""
    parts: list[str] = []
    start = previous = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        parts.append(f"{start:02d}" if start == previous else f"{start:02d}–{previous:02d}")
        if n is not None:
            start = previous = n
    return ", ".join(parts)


@milestone_app.command("list")
def milestone_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """The six milestones and the modules each needs."""
    root = workspace_or_fail(workspace)
    progress = Progress.load(root)
    rows = [{"milestone": m.tag, "year": m.year, "title": m.title, "script": m.script,
             "requires": [f"{n:02d}" for n in m.requires],
             "unlocked": all(progress.complete(n) for n in m.requires),
             "available": (root / m.script).is_file()} for m in curriculum.MILESTONES]  # fmt: skip
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="TinyTorch milestones")
    for column in ("#", "year", "milestone", "needs modules", "state"):
        table.add_column(column)
    for row in rows:
        state = "[green]unlocked[/]" if row["unlocked"] else "[dim]locked[/]"
        if not row["available"]:
            state = "[dim]not yet written[/]"
        needs = ranges([int(n) for n in row["requires"]])
        table.add_row(row["milestone"], str(row["year"]), row["title"], needs, state)
    console.print(table)


@milestone_app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def milestone_run(
    ctx: typer.Context,
    number: int,
    instructor: Annotated[bool, typer.Option("--instructor", help="Run even if locked.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Run milestone NUMBER (extra arguments go to its script), streaming its output."""
    root = workspace_or_fail(workspace)
    try:
        milestone = curriculum.milestone(number)
    except KeyError as error:
        fail(str(error.args[0]))
    progress = Progress.load(root)
    missing = [f"{n:02d}" for n in milestone.requires if not progress.complete(n)]
    if missing and not instructor:
        fail(
            f"milestone {milestone.tag} needs modules {', '.join(missing)} complete first "
            "(instructors: --instructor)"
        )
    script = root / milestone.script
    if not script.is_file():
        fail(f"milestone {milestone.tag}'s script {milestone.script} is not in this checkout yet")
    # The workspace's own meta-package and every package, so no installed copy stands in for them.
    packages = curriculum.existing_packages(root)
    paths = [str(root / "src"), *(str(root / "packages" / p / "src") for p in packages)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    raise typer.Exit(subprocess.run([sys.executable, str(script), *ctx.args], cwd=root, env=env).returncode)


# ---------------------------------------------------------------------------- instructor
@instructor_app.command("export")
def instructor_export(
    destination: Path,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the learner's edition (every module stubbed; tests and docs kept) to DESTINATION."""
    root = workspace_or_fail(workspace)
    count = write_edition(root, destination)
    console.print(f"learner's edition written to {destination}: {count} exercises stubbed")


def write_edition(root: Path, destination: Path) -> int:
    """Write the learner's edition of ``root`` to ``destination``; returns the number of exercises.

    Every module stubbed, tests and docs kept, :data:`exercises.REFERENCE_ONLY` left out, and
    the learner's README in place of the developers'.
    """
    if destination.exists():
        fail(f"{destination} already exists: choose a new folder")
    exercises.copy_tree(root, destination)
    shutil.rmtree(destination / ".tito", ignore_errors=True)
    for relative in exercises.REFERENCE_ONLY:
        (destination / relative).unlink(missing_ok=True)
    shutil.copyfile(Path(__file__).with_name("LEARNER_README.md"), destination / "README.md")
    count = 0
    for module in curriculum.MODULES:  # a package the checkout lacks simply has no sources to stub
        count += len(exercises.stub_module(destination, module.packages, module.number))
    mark_learner_edition(destination, root)
    return count


@app.command("init")
def init(
    destination: Path,
    reference: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--reference", help="The TinyTorch checkout to build from (default: this one)."),
    ] = None,
) -> None:
    """Make your own learner's edition in DESTINATION: every module stubbed, a git repository."""
    root = workspace_or_fail(reference)
    count = write_edition(root, destination)
    git = shutil.which("git")
    if git:  # the untouched edition as the first commit: git diff shows the learner's own work
        steps = [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "TinyTorch learner's edition"]]
        identity = ["-c", "user.name=tito", "-c", "user.email=tito@localhost"]
        for args in steps:
            subprocess.run([git, *identity, *args], cwd=destination, check=True, capture_output=True)
    console.print(f"your edition is in {destination}: {count} exercises to write.")
    console.print(f"Next: cd {destination}, read README.md, then [bold]tito module start 01[/].")


@instructor_app.command("refill")
def instructor_refill(
    number: int,
    reference: Annotated[
        Path, typer.Option("--reference", help="The checkout holding the reference answers.")
    ],
    workspace: WorkspaceOption = None,
) -> None:
    """Put module NUMBER's reference answers back into a learner's edition (the inverse of start).

    Each of the module's regions gets the body of the same region in REFERENCE;
    the rest of the edition is untouched. Progress is not changed: run
    ``tito module complete NUMBER`` to test the result.
    """
    root = workspace_or_fail(workspace)
    try:
        module = module_or_error(number)
        reference_root = find_workspace(reference)
    except WorkspaceError as error:
        fail(str(error))
    if reference_root.resolve() == root.resolve():
        fail("the reference and the workspace are the same checkout: give --reference the original")
    try:
        regions = exercises.refill_module(root, reference_root, module.packages, module.number)
    except exercises.MarkerError as error:
        fail(str(error))
    console.print(f"module {module.tag}: {len(regions)} regions refilled from {reference_root}")


@instructor_app.command("grade")
def instructor_grade(
    submissions: Path,
    modules: Annotated[str, typer.Option("--modules", help="Which modules: 01-09, or 1,2,5.")] = "01-20",
    out: Annotated[Path, typer.Option("--out", help="Where the gradebook goes.")] = Path("gradebook"),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per module and student.")] = 300.0,
    workspace: WorkspaceOption = None,
) -> None:
    """Grade every student folder of SUBMISSIONS with this checkout's own tests; write a gradebook."""
    root = workspace_or_fail(workspace)
    try:
        numbers = grading.module_numbers(modules)
    except (ValueError, KeyError) as error:
        fail(str(error.args[0]))
    if not submissions.is_dir():
        fail(f"{submissions} is not a folder of submissions (one folder per student)")
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        fail(f"{submissions} holds no student folders")
    prefix = grading.network_isolation()
    grades = []
    for student in students:
        console.print(f"grading {student.name} ...", highlight=False)
        grades += grading.grade_student(root, student, numbers, timeout, prefix)
    settings = {"reference": str(root), "modules": [f"{n:02d}" for n in numbers], "timeout_s": timeout,
                "network": "cut (unshare --net)" if prefix else "not isolated"}  # fmt: skip
    table_path, _ = grading.write_gradebook(grades, out, settings)
    table = Table(title=f"gradebook ({settings['network']}): core passed/total +extras")
    for column in ("student", *settings["modules"], "total"):
        table.add_column(column)
    for student in students:
        mine = [g for g in grades if g.student == student.name]
        cells = [f"{g.passed}/{g.total}" + (f" +{g.extras_passed}/{g.extras_total}" if g.extras_total else "")
                 for g in mine]  # fmt: skip
        total = sum(g.passed for g in mine), sum(g.total for g in mine)
        table.add_row(student.name, *cells, f"{total[0]}/{total[1]}")
    console.print(table)
    console.print(f"gradebook written to {table_path} and {table_path.with_suffix('.json')}")


def run() -> None:
    """Entry point of the ``tito`` command."""
    app()
