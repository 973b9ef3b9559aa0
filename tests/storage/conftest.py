"""The emulator, the bucket and the fault proxy for the storage tests."""

from tests.gcs_fixtures import fault_proxy, gcs, gcs_server

__all__ = ["fault_proxy", "gcs", "gcs_server"]
