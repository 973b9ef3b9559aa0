"""Storage credentials of a pipeline step: a GCP key from a Secret, passed as env.

The compiled pipeline maps the Secret's ``key.json`` to :data:`CREDENTIALS_JSON_ENV`
(kfp-kubernetes ``use_secret_as_env``, optional). Google's libraries and TensorFlow's
``gs://`` want a key *file*, so each step writes it to a private file first.
"""

from __future__ import annotations

import os
import tempfile

# The variable the step points at its key file, as Google's libraries read it.
from odsweep.spec._kube import CREDENTIALS_ENV

CREDENTIALS_SECRET = "odsweep-gcp-credentials"
"""The Secret the steps read storage credentials from (optional: absent means the pod's
service account reaches GCS itself, e.g. Workload Identity)."""
CREDENTIALS_JSON_ENV = "ODSWEEP_GCP_KEY_JSON"
"""The environment variable the Secret's key arrives in (kfp-kubernetes secret as env)."""
CREDENTIALS_SECRET_ENV = "ODSWEEP_CREDENTIALS_SECRET"
"""The Secret's name as compiled, so the Katib trial pods mount the same Secret."""


def credentials_secret() -> str | None:
    """The Secret this step got its key from, or None (no key: Workload Identity)."""
    if not os.environ.get(CREDENTIALS_JSON_ENV, "").strip():
        return None
    return os.environ.get(CREDENTIALS_SECRET_ENV) or CREDENTIALS_SECRET


def use_secret_credentials() -> str | None:
    """Point ``GOOGLE_APPLICATION_CREDENTIALS`` at the key the Secret passed as env.

    Google's libraries and TensorFlow's ``gs://`` read a key from a file, so the JSON is
    written to a private (0600) file once. An explicit ``GOOGLE_APPLICATION_CREDENTIALS``
    wins; without either, the default credentials of the pod apply.

    Returns:
        The key file in use, or None.
    """
    existing = os.environ.get(CREDENTIALS_ENV)
    key = os.environ.get(CREDENTIALS_JSON_ENV, "")
    if existing or not key.strip():
        return existing
    fd, path = tempfile.mkstemp(prefix="gcp-key-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    os.environ[CREDENTIALS_ENV] = path
    return path
