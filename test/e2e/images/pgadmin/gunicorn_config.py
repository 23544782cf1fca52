# gunicorn settings of the e2e pgAdmin image (like pkg/docker/gunicorn_config.py upstream).
# Only names gunicorn knows are settings: keep pgAdmin's config module under a private name.
import gunicorn
import config as _pgadmin_config

gunicorn.SERVER_SOFTWARE = "Python"

if getattr(_pgadmin_config, "JSON_LOGGER", False):
    _level = _pgadmin_config.CONSOLE_LOG_LEVEL
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": _level, "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": _level, "handlers": ["error_console"],
                               "propagate": True, "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": _level, "handlers": ["console"],
                                "propagate": True, "qualname": "gunicorn.access"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json",
                        "stream": "ext://sys.stdout"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json",
                              "stream": "ext://sys.stderr"},
        },
        "formatters": {"json": {"class": "jsonformatter.JsonFormatter",
                                "format": _pgadmin_config.CONSOLE_LOG_FORMAT_JSON}},
    }
