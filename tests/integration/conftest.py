"""The integration tests. This file's folder is on ``sys.path`` while they run (pytest's prepend
import mode inserts a conftest's folder), so the operator's kind folders (``fogjobs/``,
``edgedevices/``) share ``operator_cluster``; the fixtures themselves are in tests/conftest.py."""
