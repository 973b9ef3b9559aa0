"""Parses ``spec.cluster``: trial pod settings, checked with Kubernetes' own syntax rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType

from odsweep.spec._kube import (
    MAX_LABEL,
    TAINT_EFFECTS,
    ClusterSpec,
    ImagePullPolicy,
    Toleration,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_quantity,
)
from odsweep.spec._problems import (
    NOTHING,
    Problems,
    Reader,
    as_list,
    as_mapping,
    index,
    join,
)

CLUSTER_KEYS = (
    "image",
    "namespace",
    "gpusPerTrial",
    "cpu",
    "memory",
    "serviceAccount",
    "nodeSelector",
    "tolerations",
    "imagePullPolicy",
    "env",
    "activeDeadlineSeconds",
)
TOLERATION_KEYS = ("key", "operator", "value", "effect", "tolerationSeconds")

_LABEL_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$")
# POSIX shell names: Kubernetes allows more, but the trial image runs `sh -c`.
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_KEY = "a label key ([prefix/]name; name [A-Za-z0-9-_.], at most 63 characters)"
_LABEL_KEY_RULE = f"each key must be {_LABEL_KEY}"
_LABEL_VALUE_RULE = "must be a label value ([A-Za-z0-9-_.], at most 63 characters)"
_OPERATORS = ("Equal", "Exists")


def _is_label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= MAX_LABEL and bool(_LABEL_NAME_RE.match(name))


def _is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= MAX_LABEL and bool(_LABEL_NAME_RE.match(value)))


def _text(value: object) -> str | None:
    # Numbers are fine as text (cpu: 4); booleans are YAML 1.1 surprises (yes/on).
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_cluster(value: object, path: str, problems: Problems) -> ClusterSpec | None:
    """Parse the optional ``spec.cluster`` block (``image`` required when present)."""
    mapping = as_mapping(value, path, problems)
    if mapping is None:
        return None
    before = len(problems)
    problems.unknown_keys(mapping, path, CLUSTER_KEYS)
    reader = Reader(mapping, path, problems)
    image = reader.string("image", required=True, what="a container image")
    if image is not None and any(c.isspace() for c in image):
        problems.add(reader.at("image"), "must not contain whitespace", image)
    namespace = reader.string("namespace", required=False)
    if namespace is not None and not is_dns1123_label(namespace):
        problems.add(
            reader.at("namespace"),
            "must be a DNS-1123 label ([a-z0-9-], at most 63 characters)",
            namespace,
        )
    gpus = reader.bounded_int(
        "gpusPerTrial", low=0, what="an integer >= 0", required=False, default=1
    )
    cpu = _quantity(reader, "cpu")
    memory = _quantity(reader, "memory")
    account = reader.string("serviceAccount", required=False)
    if account is not None and not is_dns1123_subdomain(account):
        problems.add(
            reader.at("serviceAccount"),
            "must be a DNS-1123 subdomain ([a-z0-9-.], at most 253 characters)",
            account,
        )
    selector = _string_map(
        reader, "nodeSelector", _is_label_key, _is_label_value, key_rule=_LABEL_KEY_RULE
    )
    tolerations = _tolerations(reader)
    policy = reader.choice(
        "imagePullPolicy", {p.value: p.value for p in ImagePullPolicy}, required=False
    )
    env = _string_map(
        reader,
        "env",
        lambda k: bool(_ENV_NAME_RE.match(k)),
        lambda _: True,
        key_rule="each name must match ^[A-Za-z_][A-Za-z0-9_]*$",
    )
    deadline = reader.bounded_int(
        "activeDeadlineSeconds", low=1, what="an integer > 0", required=False
    )
    if len(problems) != before or image is None or gpus is None:
        return None
    return ClusterSpec(
        image=image,
        namespace=namespace,
        gpus_per_trial=gpus,
        cpu=cpu,
        memory=memory,
        service_account=account,
        node_selector=MappingProxyType(selector),
        tolerations=tolerations,
        image_pull_policy=ImagePullPolicy(policy) if policy is not None else None,
        env=MappingProxyType(env),
        active_deadline_seconds=deadline,
    )


def _quantity(reader: Reader, key: str) -> str | None:
    raw = reader.raw(key)
    if raw is NOTHING:
        return None
    text = _text(raw)
    if text is None or not is_quantity(text):
        reader.problems.add(
            reader.at(key),
            "must be a Kubernetes quantity (e.g. 4, 500m, 16Gi, 1.5e3)",
            raw,
        )
        return None
    return text


def _string_map(
    reader: Reader,
    key: str,
    key_ok: Callable[[str], bool],
    value_ok: Callable[[str], bool],
    *,
    key_rule: str,
) -> dict[str, str]:
    raw = reader.raw(key)
    if raw is NOTHING:
        return {}
    mapping = as_mapping(raw, reader.at(key), reader.problems)
    if mapping is None:
        return {}
    result: dict[str, str] = {}
    for name, value in mapping.items():
        path = join(reader.at(key), name)
        if not key_ok(name):
            reader.problems.add(reader.at(key), key_rule, name)
            continue
        text = _text(value)
        if text is None:
            fix = f"quote it: '{str(value).lower()}'" if isinstance(value, bool) else None
            reader.problems.add(path, "must be a string", value, fix)
            continue
        if not value_ok(text):
            reader.problems.add(path, _LABEL_VALUE_RULE, value)
            continue
        result[name] = text
    return result


def _tolerations(reader: Reader) -> tuple[Toleration, ...]:
    raw = reader.raw("tolerations")
    if raw is NOTHING:
        return ()
    items = as_list(raw, reader.at("tolerations"), reader.problems)
    if items is None:
        return ()
    result: list[Toleration] = []
    for i, item in enumerate(items):
        toleration = _toleration(item, index(reader.at("tolerations"), i), reader.problems)
        if toleration is not None:
            result.append(toleration)
    return tuple(result)


def _toleration(item: object, path: str, problems: Problems) -> Toleration | None:
    mapping = as_mapping(item, path, problems)
    if mapping is None:
        return None
    before = len(problems)
    problems.unknown_keys(mapping, path, TOLERATION_KEYS)
    reader = Reader(mapping, path, problems)
    key = reader.string("key", required=False)
    if key is not None and not _is_label_key(key):
        problems.add(reader.at("key"), f"must be {_LABEL_KEY}", key)
    operator = reader.choice(
        "operator", {o: o for o in _OPERATORS}, required=False, default="Equal"
    )
    value = _text(reader.raw("value")) if reader.has("value") else None
    if reader.has("value") and (value is None or not _is_label_value(value)):
        problems.add(reader.at("value"), _LABEL_VALUE_RULE, reader.raw("value"))
    if operator == "Exists" and value:
        problems.add(reader.at("value"), "must be empty for operator Exists", value)
    if key is None and operator == "Equal":
        problems.add(reader.at("operator"), "must be Exists when key is empty", operator)
    effect = reader.choice("effect", {e: e for e in TAINT_EFFECTS}, required=False)
    seconds_raw = reader.raw("tolerationSeconds")
    seconds = reader.bounded_int("tolerationSeconds", low=0, what="an integer >= 0", required=False)
    if seconds_raw is not NOTHING and effect != "NoExecute":
        problems.add(
            reader.at("tolerationSeconds"), "applies only to effect NoExecute", seconds_raw
        )
    if len(problems) != before or operator is None:
        return None
    return Toleration(key, operator, value, effect, seconds)
