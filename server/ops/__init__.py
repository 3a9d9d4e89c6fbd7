"""Running a node: health checks, Prometheus metrics, logs with request ids."""
