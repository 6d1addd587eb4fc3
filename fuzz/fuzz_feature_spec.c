/* fuzz_feature_spec.c: libFuzzer target for the indicator spec parser (features/indicators.h),
 * which reads user input from `quantcli features --spec`. Every accepted spec must give items whose
 * parameters pass the table's checks and whose canonical labels parse back to the same items; every
 * rejection must be QC_ERR_INPUT with a message. Accepted items with small windows are also run
 * through the batch and streaming forms on a short series (the two must agree). abort() flags a
 * violated invariant. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "features/indicators.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_small(const qc_ind_spec *s) {
    enum { N = 64 };
    double o[N], h[N], l[N], c[N], v[N], x[N], buf[QC_IND_MAX_OUTPUTS][N];
    for (int i = 0; i < N; i++) {
        c[i] = 10 + sin(i * 0.7) + 0.01 * i, o[i] = c[i] - 0.05, h[i] = c[i] + 0.2, l[i] = c[i] - 0.3;
        v[i] = 100 + i, x[i] = 5 + cos(i * 0.3);
    }
    double *out[QC_IND_MAX_OUTPUTS];
    for (int k = 0; k < QC_IND_MAX_OUTPUTS; k++) out[k] = buf[k];
    qc_ind_cols cols = {o, h, l, c, v, x};
    qc_error err = {0};
    if (qc_ind_batch(s->def, s->p, &cols, N, out, &err) != QC_OK) abort();
    qc_ind *ind;
    if (qc_ind_new(s->def, s->p, &ind, &err) != QC_OK) abort();
    for (int i = 0; i < N; i++) {
        qc_ind_bar bar = {o[i], h[i], l[i], c[i], v[i], x[i]};
        double r[QC_IND_MAX_OUTPUTS];
        qc_ind_update(ind, &bar, r);
        for (size_t k = 0; k < s->def->n_outputs; k++)
            if (!(r[k] == buf[k][i] || (isnan(r[k]) && isnan(buf[k][i])))) abort();
    }
    qc_ind_free(ind);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    qc_ind_spec *items = NULL;
    size_t n = 0;
    qc_error err = {0};
    qc_err rc = qc_ind_spec_parse(s, &items, &n, &err);
    if (rc != QC_OK) {
        if (rc != QC_ERR_INPUT || !err.msg[0] || items) abort();
        free(s);
        return 0;
    }
    if (n == 0) abort();
    for (size_t i = 0; i < n; i++) {
        if (qc_ind_check_params(items[i].def, items[i].p, &err) != QC_OK) abort();
        qc_ind_spec *back = NULL;
        size_t nb = 0;
        if (qc_ind_spec_parse(items[i].label, &back, &nb, &err) != QC_OK || nb != 1) abort();
        if (back[0].def != items[i].def || strcmp(back[0].label, items[i].label) != 0) abort();
        free(back);
        int small = 1;
        for (size_t j = 0; j < items[i].def->n_params; j++) small &= items[i].p[j] <= 1000;
        if (small) run_small(&items[i]);
    }
    free(items);
    free(s);
    return 0;
}
