"""The operator's unit tests. This file's folder is on ``sys.path`` while they run (pytest's
prepend import mode inserts a conftest's folder), so the kind folders (``fogjobs/``,
``edgedevices/``) share the in-memory API of ``operator_fakes``."""
