"""The ``rawns`` command line: help, version, usage errors (no root, nothing is built)."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import rawns
from rawns import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ei:
        cli.main(list(argv), prog="rawns")
    out, err = capsys.readouterr()
    code = ei.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_help_describes_the_tool_and_each_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "usage: rawns" in flat
    assert "over raw netlink" in flat and "cffi shim" in flat
    assert "--version" in flat
    for cmd in cli.COMMANDS:
        assert f"{cmd.name} {cmd.help}" in flat, cmd.name
    assert cli.DOCS in flat


def test_demo_help_keeps_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "demo", "--help")
    assert code == 0
    assert "usage: rawns demo [-h] [--keep]" in out
    flat = " ".join(out.split())
    assert "--keep leave the topology up for inspection" in flat
    assert "rootless" in flat and "Exit status" in flat


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out == f"rawns {rawns.__version__}\n"


@pytest.mark.parametrize("argv", [["bogus"], [], ["demo", "--nope"], ["--nope"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("usage: rawns") and "error:" in err


def test_keep_without_root_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rawns import demo, rootless

    ran: list[bool] = []
    monkeypatch.setattr(rootless, "is_root", lambda: False)
    monkeypatch.setattr(demo, "run", lambda *, keep=False: ran.append(keep) or 0)
    code, _, err = _run(capsys, "demo", "--keep")
    assert code == 2
    assert "usage: rawns demo" in err and "--keep needs root" in err
    assert ran == []


def test_demo_runs_through_the_demo_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from rawns import demo

    ran: list[bool] = []

    def fake_run(*, keep: bool = False) -> int:
        ran.append(keep)
        return 7

    monkeypatch.setattr(demo, "run", fake_run)
    assert cli.main(["demo"]) == 7
    assert ran == [False]


def test_a_command_is_one_entry_and_may_nest() -> None:
    seen: list[str] = []

    def runner(tag: str) -> cli.Command:
        def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
            seen.append(f"{tag} {args.size}")
            return 0

        def arguments(p: argparse.ArgumentParser) -> None:
            p.add_argument("--size", type=int, default=1)

        return cli.Command(
            name=tag,
            help=f"the {tag} job",
            description=f"Runs {tag}.",
            arguments=arguments,
            run=run,
        )

    tree = [dataclasses.replace(runner("outer"), commands=(runner("inner"),))]
    p = cli.build_parser("rawns", tree)
    for argv in (["outer"], ["outer", "--size", "3"], ["outer", "inner", "--size", "5"]):
        args = p.parse_args(argv)
        assert args._command.run(args, args._parser) == 0
    assert seen == ["outer 1", "outer 3", "inner 5"]


def test_python_dash_m_and_the_console_script_share_main() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "rawns", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (p.returncode, p.stdout) == (0, f"rawns {rawns.__version__}\n"), p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "rawns"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert p.returncode == 2 and p.stderr.startswith("usage: python -m rawns"), p.stderr
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["rawns"] == "rawns.cli:main"


def test_demo_k8s_is_described_and_checks_its_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rawns", "demo", "k8s", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "--mode {hostgw,vxlan}" in out and "--pods N" in out and "Kubernetes" in out
    for bad in (["--pods", "0"], ["--pods", "251"], ["--mode", "flannel"]):
        p = subprocess.run(
            [sys.executable, "-m", "rawns", "demo", "k8s", *bad],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert p.returncode == 2 and bad[1] in p.stderr, (bad, p.stderr)
