/* metrics_http.h: a minimal HTTP server (libmicrohttpd, its own thread) that serves one text
 * document at GET /metrics: the trading engine's Prometheus exposition. Bound to 127.0.0.1 only;
 * every other path is 404, every other method 405. The render callback runs on the server's
 * thread, so it must be thread-safe (qc_engine_metrics_text is). */
#ifndef QC_APP_METRICS_HTTP_H
#define QC_APP_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Writes at most cap bytes (NUL-terminated) into buf; returns the length it needed (as snprintf),
 * so the server can retry with a bigger buffer. */
typedef size_t (*qc_metrics_render_fn)(void *ctx, char *buf, size_t cap);

typedef struct qc_metrics_http qc_metrics_http;

/* Listens on 127.0.0.1:port (1..65535). QC_ERR_EXECUTION when the port cannot be bound. */
qc_err qc_metrics_http_start(uint16_t port, qc_metrics_render_fn render, void *ctx, qc_metrics_http **out,
                             qc_error *err);
/* Requests served so far (200 answers on /metrics). */
uint64_t qc_metrics_http_served(const qc_metrics_http *h);
void qc_metrics_http_stop(qc_metrics_http *h);

#endif
