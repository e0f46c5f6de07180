"""Operations: health and readiness probes, Prometheus metrics, the JSON access log."""
