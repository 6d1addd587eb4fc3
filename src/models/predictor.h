/* predictor.h: a .qcm model applied point-in-time to a stream of bars, for strategies: the model's
 * feature spec is rebuilt as streaming indicator states (features/indicators.h: each update sees
 * only the bar that just closed, and equals the batch kernels training used, bit for bit), its tree
 * learners run on the compiled float path (models/optimization/compiled.h), linear learners and the
 * meta-learner as themselves, lstm learners on the stream's last `lookback` known feature rows, combined as the ensemble does. After open, pushing a bar allocates
 * nothing. */
#ifndef QC_MODELS_PREDICTOR_H
#define QC_MODELS_PREDICTOR_H

#include <stddef.h>

#include "core/error.h"
#include "features/indicators.h"
#include "models/models.h"

typedef struct qc_predictor qc_predictor;

/* Reads and checks a .qcm (QC_ERR_INPUT when the file cannot be opened, QC_ERR_MODEL when it is not
 * a usable model: no spec, columns that do not match it, a tree learner that does not compile). */
qc_err qc_predictor_open(const char *path, qc_predictor **out, qc_error *err);
void qc_predictor_free(qc_predictor *p);
qc_task qc_predictor_task(const qc_predictor *p);
size_t qc_predictor_width(const qc_predictor *p); /* values per prediction */
size_t qc_predictor_features(const qc_predictor *p);

/* One symbol's feature states (the predictor must outlive it). */
typedef struct qc_predictor_stream qc_predictor_stream;
qc_err qc_predictor_stream_new(const qc_predictor *p, qc_predictor_stream **out, qc_error *err);
void qc_predictor_stream_free(qc_predictor_stream *s);
/* Feeds the bar that just closed. Returns 1 and writes width values to pred when every feature is
 * known at this bar (0 during warm-up; pred untouched), -1 on a prediction error. */
int qc_predictor_stream_push(qc_predictor_stream *s, const qc_ind_bar *bar, double *pred);
/* The feature row of the last push (features values). */
const double *qc_predictor_stream_row(const qc_predictor_stream *s);

#endif
