"""Storage credentials of a pipeline step: a GCP key from a Secret, passed as env.

The compiled pipeline maps the Secret's ``key.json`` to :data:`CREDENTIALS_JSON_ENV`
(kfp-kubernetes ``use_secret_as_env``, optional). Google's libraries and TensorFlow's
``gs://`` want a key *file*, so each step writes it to a private file first.
"""

from __future__ import annotations

import os
import tempfile

CREDENTIALS_SECRET = "odsweep-gcp-credentials"
"""The Secret the steps read storage credentials from (optional: absent means the pod's
service account reaches GCS itself, e.g. Workload Identity)."""
CREDENTIALS_KEY = "key.json"
"""The key of the service-account JSON in that Secret: the same Secret and key the Katib
trial pods mount (``odsweep.backends.katib.CREDENTIALS_KEY``)."""
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
    existing = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    key = os.environ.get(CREDENTIALS_JSON_ENV, "")
    if existing or not key.strip():
        return existing
    fd, path = tempfile.mkstemp(prefix="gcp-key-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = path
    return path
