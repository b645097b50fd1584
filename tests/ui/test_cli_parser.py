"""The command line's parser: each command's options, built only for the command that runs."""

from __future__ import annotations

import pytest

from ui.cli_parser import build_parser


@pytest.mark.parametrize("argv, option, value", [
    (["eval", "--squad", "FILE"], "squad", "FILE"),
    (["train-reader", "--epochs", "2"], "epochs", 2.0),
    (["bench", "--scale", "1000"], "scale", "1000"),
    (["ask", "Who wrote this?", "-k", "3"], "k", 3),
])
def test_the_parser_built_for_a_command_reads_its_options(argv, option, value):
    for command in (argv[0], None):
        args = build_parser(command).parse_args(argv)
        assert args.command == argv[0] and getattr(args, option) == value


def test_the_parser_built_for_ask_does_not_know_evals_options(capsys):
    with pytest.raises(SystemExit):
        build_parser("ask").parse_args(["eval", "--squad", "FILE"])
    assert "unrecognized arguments: --squad" in capsys.readouterr().err


def test_help_for_a_command_lists_its_own_options(capsys):
    from ui.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["train-reader", "--help"])
    assert exit_.value.code == 0
    assert "--epochs" in capsys.readouterr().out
