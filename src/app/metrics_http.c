/* metrics_http.c: GET /metrics over libmicrohttpd on 127.0.0.1 (metrics_http.h). */
#include "app/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int qc_mhd_result;
#else
typedef enum MHD_Result qc_mhd_result;
#endif

struct qc_metrics_http {
    struct MHD_Daemon *d;
    qc_metrics_render_fn render;
    void *ctx;
    atomic_uint_least64_t served;
};

static qc_mhd_result answer_static(struct MHD_Connection *c, unsigned code, const char *text) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD");
    qc_mhd_result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* The document in a malloc'd buffer grown until it fits; NULL when out of memory. */
static char *render_all(qc_metrics_http *h, size_t *len) {
    size_t cap = 16384;
    for (int tries = 0; tries < 8; tries++) {
        char *buf = malloc(cap);
        if (!buf) return NULL;
        size_t need = h->render(h->ctx, buf, cap);
        if (need < cap) {
            *len = need;
            return buf;
        }
        free(buf);
        cap = need + 4096;
    }
    return NULL;
}

static qc_mhd_result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version, (void)upload, (void)con_cls;
    qc_metrics_http *h = cls;
    if (*upload_size) return MHD_NO; /* no bodies: drop the connection */
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return answer_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
    if (strcmp(url, "/metrics")) return answer_static(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
    size_t len = 0;
    char *doc = render_all(h, &len);
    if (!doc) return answer_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    struct MHD_Response *r = MHD_create_response_from_buffer(len, doc, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(doc);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    qc_mhd_result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    atomic_fetch_add(&h->served, 1);
    return ret;
}

qc_err qc_metrics_http_start(uint16_t port, qc_metrics_render_fn render, void *ctx, qc_metrics_http **out,
                             qc_error *err) {
    *out = NULL;
    if (port == 0) return qc_err_set(err, QC_ERR_USAGE, "metrics port must be 1..65535");
    qc_metrics_http *h = calloc(1, sizeof *h);
    if (!h) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    h->render = render;
    h->ctx = ctx;
    atomic_init(&h->served, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    errno = 0;
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&a, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
    if (!h->d) {
        int e = errno;
        free(h);
        return qc_err_set(err, QC_ERR_EXECUTION, "metrics endpoint on 127.0.0.1:%u: cannot listen (%s)", (unsigned)port,
                          e ? strerror(e) : "libmicrohttpd refused");
    }
    *out = h;
    return QC_OK;
}

uint64_t qc_metrics_http_served(const qc_metrics_http *h) {
    return h ? atomic_load(&((qc_metrics_http *)h)->served) : 0;
}

void qc_metrics_http_stop(qc_metrics_http *h) {
    if (!h) return;
    MHD_stop_daemon(h->d);
    free(h);
}
