/* validate.h: data-quality checks on a bar series, with a report. Hard findings (unparsable rows,
 * OHLC inconsistency, non-positive prices, negative volume, duplicate or out-of-order timestamps)
 * are handled by the policy: reject refuses the whole input, drop removes the bad rows, flag keeps
 * them marked QC_BAR_FLAGGED (rows that cannot be kept at all - unparsable, or a duplicate stamp -
 * are dropped and said so). Soft findings (gaps against the calendar, outlier returns by robust
 * z-score, probable unadjusted splits, stamps outside sessions) are always reported, never fatal. */
#ifndef QC_DATA_VALIDATE_H
#define QC_DATA_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"
#include "data/csv.h"
#include "data/series.h"

typedef enum { QC_POLICY_REJECT = 0, QC_POLICY_DROP, QC_POLICY_FLAG } qc_policy;

typedef enum {
    QC_CHK_PARSE = 0,
    QC_CHK_OHLC,
    QC_CHK_PRICE,
    QC_CHK_VOLUME,
    QC_CHK_DUPLICATE,
    QC_CHK_ORDER,
    QC_CHK_GAP,
    QC_CHK_OUTLIER,
    QC_CHK_SPLIT,
    QC_CHK_SESSION,
    QC_CHK__COUNT
} qc_check;

typedef struct {
    qc_check check;
    int hard;
    char symbol[48];
    size_t line;      /* source line, 0 when not from a file row */
    int64_t ts;       /* QC_TS_NONE when unknown */
    char field[32];
    char msg[192];
    int action;       /* 0 reported, 1 dropped, 2 flagged */
} qc_finding;

typedef struct {
    qc_finding *items;
    size_t n, cap;
    size_t counts[QC_CHK__COUNT];
    size_t n_hard, n_soft, n_dropped, n_flagged;
} qc_vreport;

typedef struct {
    qc_policy policy;
    double outlier_z;        /* robust z-score (median/MAD of log returns) threshold, default 10 */
    double split_tolerance;  /* relative distance to a split ratio (2, 3, 1/2, ...), default 0.03 */
    const qc_calendar *cal;  /* gap detection for daily bars; NULL disables */
    const char *label;       /* file name for messages */
} qc_vopts;

void qc_vopts_init(qc_vopts *o);
qc_err qc_policy_parse(const char *s, qc_policy *out, qc_error *err);
const char *qc_policy_name(qc_policy p);
const char *qc_check_name(qc_check c);

void qc_vreport_init(qc_vreport *r);
void qc_vreport_free(qc_vreport *r);

/* Validates one series (sorted in place by ts if the policy allows), applying the policy. lines may
 * be NULL. Parse failures from the CSV reader are passed in bad/n_bad (file-wide) and handled under
 * the same policy. Returns QC_ERR_INPUT under reject when any hard finding exists, the message
 * naming the first one as label:line: field: problem (and how many more). */
qc_err qc_validate_series(qc_bars *b, uint32_t *lines, const char *symbol, int64_t interval_s,
                          const qc_vopts *o, qc_vreport *rep, qc_error *err);
/* The reject error for a report: label:line: field: problem (N hard problems; policy reject). */
qc_err qc_vreport_error(const qc_vreport *r, const char *label, qc_error *err);
qc_err qc_validate_bad_rows(const qc_csv_bad_row *bad, size_t n_bad, const qc_vopts *o,
                            qc_vreport *rep, qc_error *err);

#endif
