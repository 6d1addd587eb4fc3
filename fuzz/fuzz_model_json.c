/* fuzz_model_json.c: libFuzzer target for the XGBoost JSON model parser of compiled inference
 * (src/models/optimization/compiled.c) and the .qcc reader: whatever the bytes, they parse or are
 * refused without a crash, and a parsed model predicts (float and 8-bit paths, every evaluator) on
 * a few rows without reading out of bounds. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/optimization/compiled.h"

#define ROWS 20 /* enough for the AVX-512 walker (8 rows and more), with a partial vector */

static void exercise(qc_compiled *c) {
    size_t d = qc_compiled_features(c), w = qc_compiled_width(c);
    float *x = malloc(ROWS * d * sizeof *x), *p = malloc(ROWS * w * sizeof *p);
    uint8_t *b = malloc(ROWS * d * 2);
    if (!x || !p || !b) goto done;
    for (size_t i = 0; i < ROWS * d; i++) x[i] = i % 3 == 0 ? NAN : (float)i - 1.5f;
    qc_error err = {0};
    int quant = qc_compiled_quantize(c, 8, &err) == QC_OK || qc_compiled_quantize(c, 16, &err) == QC_OK;
    const qc_compiled_eval ev[] = {QC_EVAL_GENERAL, QC_EVAL_SCALAR, QC_EVAL_AVX512};
    for (size_t e = 0; e < 3; e++) {
        qc_compiled_set_eval(c, ev[e]);
        qc_compiled_predict(c, x, ROWS, p);
        qc_compiled_predict(c, x, 1, p);
        if (quant) {
            qc_compiled_bin(c, x, ROWS, b);
            qc_compiled_predict_q(c, b, ROWS, p);
        }
    }
done:
    free(x), free(p), free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_error err = {0};
    qc_compiled *c = NULL;
    if (qc_compiled_from_json((const char *)data, size, &c, &err) == QC_OK) {
        exercise(c);
        qc_compiled_free(c);
    }
    if (qc_compiled_read(data, size, &c, &err) == QC_OK) {
        exercise(c);
        qc_compiled_free(c);
    }
    return 0;
}
