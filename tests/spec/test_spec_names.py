"""Parameter names: Katib's own spellings are accepted as written; what Katib or the
trial command cannot carry, and odsweep's own trial parameter names, are refused."""

from __future__ import annotations

import pytest
from spec_fixtures import errors, exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import RESERVED_PARAMETER_NAMES, TRIAL_NAME_PARAMETER

# Katib's examples (num-layers, batch-size, hidden-size, lr, learningRate) and every
# character the rule allows, in one place each.
ACCEPTED = [
    "num-layers",
    "batch-size",
    "hidden-size",
    "learning-rate",
    "learningRate",
    "lr",
    "a.b",
    "LR2",
    "0",
    "_x",
    "a:b",
    "a/b",
    "a@b",
    "a+b",
    "x-",
    "n" * 512,
]

CHARS = "may only use ASCII letters, digits and . _ : / @ + - (Katib runs the trial command, "
CHARS += "which carries --param NAME=VALUE, through sh -c unquoted; found {found})"

# (name as written, the exact message)
REFUSED = [
    ("num layers", CHARS.format(found="' '") + ", got 'num layers'; e.g. 'num_layers'"),
    ("a\tb", CHARS.format(found="'\\t'") + ", got 'a\\tb'; e.g. 'a_b'"),
    ("a\nb", CHARS.format(found="'\\n'") + ", got 'a\\nb'; e.g. 'a_b'"),
    ("${x}", CHARS.format(found="'$' '{' '}'") + ", got '${x}'; e.g. 'x'"),
    ("a$b", CHARS.format(found="'$'") + ", got 'a$b'; e.g. 'a_b'"),
    ("a{b", CHARS.format(found="'{'") + ", got 'a{b'; e.g. 'a_b'"),
    ("a}b", CHARS.format(found="'}'") + ", got 'a}b'; e.g. 'a_b'"),
    ("it's", CHARS.format(found='"\'"') + ", got \"it's\"; e.g. 'it_s'"),
    ('a"b', CHARS.format(found="'\"'") + ", got 'a\"b'; e.g. 'a_b'"),
    ("a`b", CHARS.format(found="'`'") + ", got 'a`b'; e.g. 'a_b'"),
    ("a\\b", CHARS.format(found="'\\\\'") + ", got 'a\\\\b'; e.g. 'a_b'"),
    ("a;b", CHARS.format(found="';'") + ", got 'a;b'; e.g. 'a_b'"),
    ("a|b", CHARS.format(found="'|'") + ", got 'a|b'; e.g. 'a_b'"),
    ("a&b", CHARS.format(found="'&'") + ", got 'a&b'; e.g. 'a_b'"),
    ("a>b", CHARS.format(found="'>'") + ", got 'a>b'; e.g. 'a_b'"),
    ("a<b", CHARS.format(found="'<'") + ", got 'a<b'; e.g. 'a_b'"),
    ("a(b)", CHARS.format(found="'(' ')'") + ", got 'a(b)'; e.g. 'a_b'"),
    ("a*", CHARS.format(found="'*'") + ", got 'a*'; e.g. 'a'"),
    ("a?", CHARS.format(found="'?'") + ", got 'a?'; e.g. 'a'"),
    ("a[0]", CHARS.format(found="'[' ']'") + ", got 'a[0]'; e.g. 'a_0'"),
    ("~a", CHARS.format(found="'~'") + ", got '~a'; e.g. 'a'"),
    ("a#b", CHARS.format(found="'#'") + ", got 'a#b'; e.g. 'a_b'"),
    ("a!b", CHARS.format(found="'!'") + ", got 'a!b'; e.g. 'a_b'"),
    ("a%b", CHARS.format(found="'%'") + ", got 'a%b'; e.g. 'a_b'"),
    ("a^b", CHARS.format(found="'^'") + ", got 'a^b'; e.g. 'a_b'"),
    ("a,b", CHARS.format(found="','") + ", got 'a,b'; e.g. 'a_b'"),
    ("taux_é", CHARS.format(found="'é'") + ", got 'taux_é'; e.g. 'taux'"),
    ("a=b b", CHARS.format(found="' ' '='") + ", got 'a=b b'; e.g. 'a_b_b'"),
    (
        "a=b",
        "must not contain '=' (the trial command splits --param NAME=VALUE at the first "
        "'='), got 'a=b'; e.g. 'a_b'",
    ),
    (
        "-lr",
        "must not start with '-' (the trial command would read --param -NAME=VALUE as an "
        "option), got '-lr'; e.g. 'lr'",
    ),
    (
        "trialName",
        "is reserved by odsweep (the Katib trial template passes the trial's name under it; "
        "reserved names: trialName), got 'trialName'; rename it, e.g. 'trial_name'",
    ),
]


def _with_name(name: object) -> dict[str, object]:
    doc = valid_doc()
    doc["spec"]["parameters"][0]["name"] = name
    return doc


@pytest.mark.parametrize("name", ACCEPTED)
def test_katib_style_names_are_kept_as_written(name: str) -> None:
    spec = parse(_with_name(name))
    assert spec.parameters[0].name == name
    assert spec.parameter(name).config_path == spec.parameters[0].config_path


def test_hyphenated_names_sit_beside_underscored_ones() -> None:
    doc = valid_doc()
    doc["spec"]["parameters"][0]["name"] = "batch-size"
    doc["spec"]["parameters"][1]["name"] = "batch_size"
    assert [p.name for p in parse(doc).parameters] == ["batch-size", "batch_size"]


@pytest.mark.parametrize(("name", "message"), REFUSED, ids=[n for n, _ in REFUSED])
def test_names_the_trial_command_cannot_carry_are_refused(name: str, message: str) -> None:
    with pytest.raises(InputError, match=exact_line(f"spec.parameters[0].name: {message}")):
        parse(_with_name(name))


def test_a_too_long_name_is_refused() -> None:
    (message,) = errors(_with_name("n" * 513))
    assert message.startswith(
        "spec.parameters[0].name: must be at most 512 characters (Optuna's study database "
        "stores no more), not 513, got 'nnn"
    )
    assert message.endswith("...; shorten it")  # the value is shortened, the line is one


@pytest.mark.parametrize("name", ["", "   ", 7])
def test_an_empty_or_non_string_name_is_refused(name: object) -> None:
    with pytest.raises(
        InputError,
        match=exact_line(
            f"spec.parameters[0].name: must be a name like learning_rate or num-layers, "
            f"got {name!r}"
        ),
    ):
        parse(_with_name(name))


def test_the_reserved_names_are_the_katib_trial_parameters_odsweep_adds() -> None:
    assert list(RESERVED_PARAMETER_NAMES) == [TRIAL_NAME_PARAMETER] == ["trialName"]


def test_names_differing_only_in_case_are_distinct_parameters() -> None:
    doc = valid_doc()
    doc["spec"]["parameters"][0]["name"] = "lr"
    doc["spec"]["parameters"][1]["name"] = "LR"
    assert [p.name for p in parse(doc).parameters] == ["lr", "LR"]


def test_a_missing_name_is_refused() -> None:
    with pytest.raises(
        InputError,
        match=exact_line(
            "spec.parameters[0].name: is required; add name: <a name like learning_rate or "
            "num-layers>"
        ),
    ):
        parse(_with_name(None))
