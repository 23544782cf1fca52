# WSGI entry of the e2e pgAdmin image (as pkg/docker/run_pgadmin.py upstream): server mode.
import builtins
builtins.SERVER_MODE = True

from pgAdmin4 import app  # noqa: E402,F401
