/* fuzz_lstm_model.c: libFuzzer target for the lstm learner's model text (src/models/lstm.c
 * lstm_load, the "model" string of an lstm learner in a .qcm): whatever the bytes, they load or are
 * refused without a crash or a huge allocation, and a loaded model predicts a few rows (batch and
 * streaming) and gives its importance without reading out of bounds. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/internal.h"
#include "models/models.h"

static void exercise(qc_learner *l) {
    size_t d = qc_learner_features(l), n = 3;
    double *x = malloc(n * d * sizeof *x), *p = malloc((n + d) * sizeof *p);
    double *s = malloc(qc_lstm_scratch_size(l) * sizeof *s);
    qc_error err = {0};
    if (x && p && s) {
        for (size_t i = 0; i < n * d; i++) x[i] = i % 5 == 0 ? NAN : (double)i - 1.5;
        qc_learner_predict(l, x, n, d, p, &err);
        qc_lstm_predict_last(l, x, n, s, p);
        qc_learner_importance(l, p, d, &err);
    }
    free(x), free(p), free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    qc_error err = {0};
    qc_learner *l = NULL;
    for (int task = 0; task < 2; task++)
        if (qc_learner_load("lstm", task ? QC_TASK_REGRESSION : QC_TASK_BINARY, 0, text, &l, &err) == QC_OK) {
            exercise(l);
            qc_learner_free(l);
        }
    free(text);
    return 0;
}
