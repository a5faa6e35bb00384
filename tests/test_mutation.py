"""The mutation tester (tools/mutation) on a small synthetic repository.

The synthetic package has one region of module 01 whose tests kill some mutants
and miss others, a function outside any region, and a region of module 02; the
tool must mutate only module 01's region, keep every mutant parseable, honour the
equivalents file and score what is left.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_PACKAGE = ROOT / "tools" / "mutation"
_spec = importlib.util.spec_from_file_location(
    "_tt_mutation_test", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
)
_package = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _package
_spec.loader.exec_module(_package)
operators = importlib.import_module("_tt_mutation_test.operators")
cli = importlib.import_module("_tt_mutation_test.__main__")
runner = importlib.import_module("_tt_mutation_test.runner")
span = importlib.import_module("_tt_mutation_test.lines")

SOURCE = textwrap.dedent(
    '''
    """A demo package."""


    def clip_add(a, b):
        """a + b, clipped at 10."""
        # BEGIN SOLUTION 01
        total = a + b
        if total > 10:
            total = 10
        return total
        # END SOLUTION


    def untouched(a):
        return a * 2 + 1


    def other(a):
        # BEGIN SOLUTION 02
        return a - 1
        # END SOLUTION
    '''
).lstrip()

TESTS = textwrap.dedent(
    """
    from demo import clip_add


    def test_adds():
        assert clip_add(2, 3) == 5


    def test_clips():
        assert clip_add(20, 3) == 10
    """
).lstrip()

REGION_LINES = range(7, 11)  # the three statements between the markers of module 01


def make_repo(root: Path) -> Path:
    source = root / "packages" / "tt-demo" / "src" / "demo" / "__init__.py"
    source.parent.mkdir(parents=True)
    source.write_text(SOURCE)
    tests = root / "packages" / "tt-demo" / "tests"
    tests.mkdir()
    (tests / "test_01_demo.py").write_text(TESTS)
    return source


def mutants_of(source: Path, module: int = 1):
    return operators.find_mutants(source, "demo.py", module)


def test_mutants_stay_inside_the_modules_regions(tmp_path):
    source = make_repo(tmp_path)
    mutants = mutants_of(source)
    assert mutants, "no mutants found in module 01's region"
    assert {m.line for m in mutants} <= set(REGION_LINES)
    assert all(m.function == "clip_add" and m.module == 1 for m in mutants)
    assert [m.line for m in mutants_of(source, 2)] == [20, 20, 20]  # return None, '-' -> '+', 1 -> 0
    assert len({m.id for m in mutants}) == len(mutants)


def test_every_mutant_parses_and_changes_only_its_span(tmp_path):
    source = make_repo(tmp_path)
    original = source.read_bytes()
    for mutant in mutants_of(source):
        mutated = mutant.apply(original)
        ast.parse(mutated)
        assert mutated != original
        assert mutated[: mutant.start] == original[: mutant.start]
        assert mutated.endswith(original[mutant.end :])
        assert original[mutant.start : mutant.end].decode() == mutant.original


def test_the_operators_found(tmp_path):
    source = make_repo(tmp_path)
    found = {(m.operator, m.original, m.replacement) for m in mutants_of(source)}
    assert found == {
        ("arith", "+", "-"),
        ("compare", ">", ">="),
        ("constant", "10", "11"),
        ("drop", "total = 10", "pass"),  # rebinds a name: dropping it is not a NameError
        ("return", "total", "None"),
    }
    # the first assignment binds `total`: dropping it would only be a NameError, so it is not offered
    assert not any(m.operator == "drop" and m.line == 7 for m in mutants_of(source))


def test_operator_catalogue_and_what_is_left_alone(tmp_path):
    path = tmp_path / "ops.py"
    path.write_text(
        textwrap.dedent(
            """
            def f(x, y, flag):
                # BEGIN SOLUTION 05
                if x is None or not flag:
                    raise ValueError(f"f: bad x={x} (need 1 < x)" + "!")
                y -= x ** 2 // 3 % 4
                z = -y if x in (0, 1.5) and x != y else x @ y
                assert x <= y, "x must be at most y"
                return z
                # END SOLUTION
            """
        ).lstrip()
    )
    found = {(m.operator, m.original, m.replacement) for m in operators.find_mutants(path, "ops.py", 5)}
    expected = {
        ("compare", "is", "is not"), ("boolean", "or", "and"), ("not", "not ", ""),
        ("augassign", "-=", "+="), ("arith", "**", "*"), ("arith", "//", "/"), ("arith", "%", "/"),
        ("constant", "2", "3"), ("constant", "3", "4"), ("constant", "4", "5"), ("unary", "-", ""),
        ("compare", "in", "not in"), ("constant", "0", "1"), ("constant", "1.5", "3.0"),
        ("boolean", "and", "or"), ("compare", "!=", "=="), ("arith", "@", "*"), ("compare", "<=", "<"),
        ("return", "z", "None"),
    }  # fmt: skip
    assert expected <= found
    assert not any(m.operator in ("arith", "constant") and m.line == 4 for m in found_mutants(path))
    drops = {m.original.split("(")[0] for m in found_mutants(path) if m.operator == "drop"}
    assert drops == {"raise ValueError", "y -= x ** 2 // 3 % 4", 'assert x <= y, "x must be at most y"'}


def found_mutants(path: Path):
    return operators.find_mutants(path, path.name, 5)


def test_a_run_kills_survives_and_honours_the_equivalents(tmp_path, capsys):
    repo = tmp_path / "repo"
    source = make_repo(repo)
    equivalent = next(m for m in operators.module_mutants(repo, 1) if m.operator == "compare")
    assert equivalent.id == "packages/tt-demo/src/demo/__init__.py:8:13 clip_add compare '>' -> '>='"
    (repo / "packages" / "tt-demo" / "tests" / "equivalent_mutants.toml").write_text(
        f'[[equivalent]]\nid = {json.dumps(equivalent.id)}\nreason = "at total == 10 both branches give 10"\n'
    )
    assert source.exists()
    report = tmp_path / "report.json"
    args = ["01", "--root", str(repo), "--workers", "1", "--json", str(report), "--show-equivalent"]
    status = cli.main(args)
    out = capsys.readouterr().out
    (result,) = json.loads(report.read_text())
    assert (result["mutants"], result["equivalent"], result["ran"]) == (6, 1, 5)
    assert (result["killed"], result["survived"]) == (4, 1)  # '10' -> '11' in the test survives
    (survivor,) = result["survivors"]
    assert (survivor["line"], survivor["original"], survivor["mutated"]) == (
        8, "if total > 10:", "if total > 11:"
    )  # fmt: skip
    assert result["score"] == 80.0
    assert status == 1, "80% is below the default goal of 90%"
    assert "at total == 10 both branches give 10" in out
    assert "survived: packages/tt-demo/src/demo/__init__.py:8 clip_add [constant] '10' -> '11'" in out


def test_an_equivalent_still_matches_after_its_line_moved(tmp_path):
    repo = tmp_path / "repo"
    make_repo(repo)
    every = operators.module_mutants(repo, 1)
    compare = next(m for m in every if m.operator == "compare")
    moved = compare.id.replace(":8:13 ", ":7:13 ")  # as listed before a line was added above it
    assert cli.listed_among(every, {moved: "why"}) == {compare.id: "why"}
    assert cli.listed_among(every, {compare.id: "why"}) == {compare.id: "why"}
    other_function = moved.replace(" clip_add ", " other ")
    assert cli.listed_among(every, {other_function: "why"}) == {}
    # two listed entries with the same anchor: ambiguous, so neither matches by anchor
    assert cli.listed_among(every, {moved: "a", compare.id.replace(":8:13 ", ":9:13 "): "b"}) == {}


def test_every_listed_equivalent_names_a_mutant_of_todays_code():
    """A stale entry (its code rewritten or gone) would hide nothing today and mislead tomorrow."""
    listed = cli.equivalents(operators.TOOL_ROOT)
    matched = {}
    for module in cli.MODULES:
        matched.update(cli.listed_among(operators.module_mutants(operators.TOOL_ROOT, module), listed))
    names = {cli._anchor(mutant_id) for mutant_id in matched}
    stale = [entry for entry in listed if entry not in matched and cli._anchor(entry) not in names]
    assert not stale, (
        "equivalent_mutants.toml entries that match no mutant: remove or update them:\n" + "\n".join(stale)
    )


def test_a_module_whose_tests_fail_clean_is_reported(tmp_path, capsys):
    repo = tmp_path / "repo"
    make_repo(repo)
    (repo / "packages" / "tt-demo" / "tests" / "test_01_demo.py").write_text(TESTS.replace("== 5", "== 6"))
    assert cli.main(["01", "--root", str(repo), "--workers", "1"]) == 1
    assert "tests fail before any mutation" in capsys.readouterr().out


def test_without_coverage_every_test_runs(tmp_path):
    source = make_repo(tmp_path)
    mutant = mutants_of(source)[0]
    assert runner.selected_tests(mutant, runner.Baseline(["a.py"], 1.0)) is None
    lines = {"demo.py": {7: ["a.py::t1"], 12: ["a.py::t2"]}}
    covered = runner.Baseline(["a.py"], 1.0, lines, {"a.py::t1": 0})
    assert runner.selected_tests(mutant, covered) == ["a.py::t1"]


def test_sampling_is_seeded(tmp_path):
    args = cli.parse(["--root", str(tmp_path)])
    assert (args.sample, args.time_budget) == (6, 300.0)  # no module named: the CI sample
    assert cli.parse(["3", "--sample", "4"]).sample == 4
    assert cli.parse(["3"]).sample is None


def test_a_sample_is_judged_on_all_its_mutants_together(capsys):
    pooled_verdict = cli.pooled_verdict
    one_survivor_each = [{"module": f"{n:02d}", "killed": 9, "survived": 1} for n in (1, 2)]
    assert pooled_verdict(one_survivor_each, goal=90.0) == 0  # 18/20: each module alone is 90%
    assert pooled_verdict(one_survivor_each, goal=91.0) == 1
    assert "18/20 sampled mutants killed, 90.0%" in capsys.readouterr().out
    broken = [*one_survivor_each, {"module": "03", "error": "tests fail clean", "score": 0.0}]
    assert pooled_verdict(broken, goal=50.0) == 1  # a module that could not run fails the sample
    assert "modules that could not run: 03" in capsys.readouterr().out
    assert pooled_verdict([], goal=0.0) == 1  # nothing judged is not a pass


def test_a_line_span_is_mutated_inside_or_outside_regions(tmp_path):
    make_repo(tmp_path)
    relpath = "packages/tt-demo/src/demo/__init__.py"
    outside = span.span_mutants(tmp_path, relpath, 15, 15)  # untouched(): in no region
    assert {m.line for m in outside} == {15}
    assert {(m.original, m.replacement) for m in outside} >= {("*", "/"), ("+", "-"), ("2", "3")}
    inside = span.span_mutants(tmp_path, relpath, 8, 9)  # the if and its body, not the lines around
    assert {m.line for m in inside} == {8, 9} and all(m.relpath == relpath for m in inside)


def test_a_line_span_run_counts_and_shows_its_survivors(tmp_path, capsys):
    repo = tmp_path / "repo"
    make_repo(repo)
    source, tests = "packages/tt-demo/src/demo/__init__.py", "packages/tt-demo/tests/test_01_demo.py"
    args = [source, "7-10", "--tests", tests, "--root", str(repo), "--workers", "1"]
    status = span.main(args)
    out = capsys.readouterr().out
    assert "4/6 killed" in out  # no equivalents file here: '>' -> '>=' survives with '10' -> '11'
    assert "survived: packages/tt-demo/src/demo/__init__.py:8 [constant] '10' -> '11'" in out
    assert "+ if total >= 10:" in out
    assert status == 2


def test_refresh_pairs_an_ambiguous_entry_by_git_history(tmp_path):
    """Two mutants share the entry's anchor ('10' -> '11' twice): only the line diff can say which it was."""
    import subprocess

    repo = tmp_path / "repo"
    source = make_repo(repo)
    every = operators.module_mutants(repo, 1)
    first, second = sorted((m for m in every if "'10' -> '11'" in m.id), key=lambda m: m.line)
    assert cli._anchor(first.id) == cli._anchor(second.id) and (first.line, second.line) == (8, 9)
    toml = repo / "packages" / "tt-demo" / "tests" / "equivalent_mutants.toml"
    toml.write_text(f'[[equivalent]]\nid = {json.dumps(second.id)}\nreason = "why"\n')
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    source.write_text(
        source.read_text().replace('"""A demo package."""\n', '"""A demo package."""\n\nLIMIT = 10\n')
    )
    assert cli.refresh_equivalents(repo) == []
    assert f"id = {json.dumps(second.id.replace(':9:', ':11:'))}" in toml.read_text()
    subprocess.run([*git, "commit", "-qam", "refreshed"], check=True)
    edited = source.read_text().replace("LIMIT = 10\n", "LIMIT = 10\nFLOOR = 0\n")
    source.write_text(edited.replace("total = 10", "total = 10  # clipped"))  # moved, and its own line edited
    assert cli.refresh_equivalents(repo) == [second.id.replace(":9:", ":11:")]


class _Contexts:
    """A stand-in for ``coverage.Coverage`` in the plugin: records each context switched to."""

    def __init__(self) -> None:
        self.current, self.seen = "", []

    def switch_context(self, context: str) -> None:
        self.current = context

    def stop(self) -> None:
        self.seen.append("stopped")

    def save(self) -> None:
        self.seen.append("saved")


FIXTURE_TESTS = textwrap.dedent(
    """
    import sys

    import pytest

    RECORD = sys.modules["PLUGIN"]._coverage
    RECORD.seen.append(("import", RECORD.current))


    @pytest.fixture(scope="module")
    def model():
        RECORD.seen.append(("module fixture", RECORD.current))


    @pytest.fixture
    def per_test(model):
        RECORD.seen.append(("function fixture", RECORD.current))


    def test_first(per_test):
        RECORD.seen.append(("first", RECORD.current))


    def test_second(model):
        RECORD.seen.append(("second", RECORD.current))


    def test_alone():
        RECORD.seen.append(("alone", RECORD.current))
    """
)


def test_the_plugin_credits_imports_to_the_file_and_wide_fixtures_to_their_users(tmp_path, monkeypatch):
    """Lines a test file's import or a module fixture's setup ran: once credited to no test, or the first."""
    import pytest

    plugin = importlib.util.module_from_spec(importlib.util.spec_from_loader("PLUGIN", loader=None))
    exec(runner.PLUGIN_SOURCE, plugin.__dict__)  # noqa: S102 (the tool's own plugin text)
    plugin._coverage = _Contexts()
    monkeypatch.setitem(sys.modules, "PLUGIN", plugin)
    monkeypatch.setenv("TT_MUTATION_COVERAGE", str(tmp_path / "coverage"))
    (tmp_path / "test_fixtures_demo.py").write_text(FIXTURE_TESTS)
    args = [
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--import-mode=importlib",
        f"--rootdir={tmp_path}",
    ]
    assert pytest.main([*args, str(tmp_path / "test_fixtures_demo.py")], plugins=[plugin]) == 0
    file = "test_fixtures_demo.py"
    assert plugin._coverage.seen == [
        ("import", file),
        ("module fixture", "fixture:model"),
        ("function fixture", f"{file}::test_first"),
        ("first", f"{file}::test_first"),
        ("second", f"{file}::test_second"),
        ("alone", f"{file}::test_alone"),
        "stopped",
        "saved",
    ]
    users = json.loads((tmp_path / "coverage.fixtures.json").read_text())
    assert users["fixture:model"] == [f"{file}::test_first", f"{file}::test_second"]
    assert users["fixture:per_test"] == [f"{file}::test_first"]


def test_fixture_and_file_contexts_select_every_test_that_can_notice(tmp_path):
    contexts = {
        "demo.py": {
            5: ["fixture:model"],  # a model built once for the module's tests
            7: ["a.py::t1", ""],  # "": run before any test file (a conftest import): no test
            9: ["a.py", "a.py::t2"],  # run when a.py was imported, and again by t2
            11: [""],
        }
    }
    users = {"fixture:model": ["a.py::t1", "b.py::t3"], "fixture:other": ["a.py::t2"]}
    lines, order = runner.credited(contexts, users)
    assert lines["demo.py"] == {5: ["a.py::t1", "b.py::t3"], 7: ["a.py::t1"], 9: ["a.py", "a.py::t2"], 11: []}
    assert order == {"a.py::t1": 0, "b.py::t3": 1, "a.py": 2, "a.py::t2": 3}
    source = make_repo(tmp_path)
    on_line = {m.line: m for m in mutants_of(source)}  # clip_add's lines 7-10
    base = runner.Baseline(
        ["a.py", "b.py"], 1.0, {"demo.py": {7: lines["demo.py"][9], 8: ["b.py::t3"]}}, order
    )
    assert runner.selected_tests(on_line[7], base) == ["a.py"]  # the whole file, not t2 again
    assert runner.selected_tests(on_line[8], base) == ["b.py::t3"]
