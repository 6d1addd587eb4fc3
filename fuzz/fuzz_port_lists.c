/* fuzz_port_lists.c: libFuzzer target for the text forms of portfolio constraints (portfolio/
 * groups.c) that `portfolio optimize` reads from users: --current's list of n numbers, --group's
 * NAME=A,B:LO,HI and --groups' file of such lines. The first byte picks n (1..8 assets named A..H);
 * the rest is the text. Invariants: a rejection is QC_ERR_INPUT with a message and leaves the groups
 * as they were; an accepted list holds n finite numbers; accepted groups have LO <= HI, names, and
 * every asset in at most one existing group. abort() flags a violation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/portfolio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_groups(const qc_port_groups *g) {
    for (size_t i = 0; i < g->n_assets; i++)
        if (g->group[i] < -1 || g->group[i] >= (int)g->n_groups) abort();
    for (size_t k = 0; k < g->n_groups; k++)
        if (!(g->lo[k] <= g->hi[k]) || !g->names[k][0] || !isfinite(g->lo[k]) || !isfinite(g->hi[k])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"A", "B", "C", "D", "E", "F", "G", "H"};
    if (size < 1) return 0;
    size_t n = 1 + data[0] % 8;
    char buf[512];
    size_t len = size - 1 < sizeof buf - 1 ? size - 1 : sizeof buf - 1;
    memcpy(buf, data + 1, len);
    buf[len] = '\0';
    qc_error err = {0};
    double w[8];
    qc_err rc = qc_port_parse_list(buf, n, w, &err);
    if (rc && (rc != QC_ERR_INPUT || !err.msg[0])) abort();
    for (size_t i = 0; !rc && i < n; i++)
        if (!isfinite(w[i])) abort();
    qc_port_groups g;
    if (qc_port_groups_init(&g, n, &err)) return 0;
    int before[8];
    memcpy(before, g.group, n * sizeof *before);
    rc = qc_port_groups_add(&g, buf, names, &err);
    if (rc && (rc != QC_ERR_INPUT || !err.msg[0] || g.n_groups || memcmp(before, g.group, n * sizeof *before))) abort();
    check_groups(&g);
    qc_port_groups_free(&g);
    if (qc_port_groups_init(&g, n, &err)) return 0;
    rc = qc_port_groups_read(&g, (const char *)data + 1, size - 1, names, "fuzz", &err);
    if (rc && (rc != QC_ERR_INPUT || !err.msg[0])) abort();
    check_groups(&g);
    qc_port_groups_free(&g);
    return 0;
}
