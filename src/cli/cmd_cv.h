/* cmd_cv.h: the cross-validation options that `quantcli cv` and `quantcli sweep` share (--folds,
 * --groups, --test-groups, --horizon, --embargo, --train, --test, --gap, --expanding). */
#ifndef QC_CLI_CMD_CV_H
#define QC_CLI_CMD_CV_H

#include "backtest/validation.h"
#include "cli/cli.h"

/* Reads the options present in a over the defaults already in o (the scheme is the caller's). */
qc_err qc_cli_cv_opts(const qc_args *a, qc_cv_opts *o, qc_error *err);

/* Their qc_opt_spec rows, for a command's option table initializer. */
#define QC_CLI_CV_SPECS                                                                                     \
    {"folds", "K", "kfold, purged: number of folds (default 5)"},                                          \
    {"groups", "N", "cpcv: number of contiguous groups (default 6)"},                                     \
    {"test-groups", "K", "cpcv: groups tested per split (default 2): C(N,K) splits, K/N C(N,K) paths"},  \
    {"horizon", "H", "label interval [t, t+H]: train obs whose interval meets a test one are purged (0)"}, \
    {"embargo", "E", "after each test block ending at b, train also drops up to b + H + E (default 0)"}, \
    {"train", "T", "walkforward: train window length (the first window's with --expanding)"},            \
    {"test", "T", "walkforward: test window length"},                                                       \
    {"gap", "G", "walkforward: observations skipped between train and test (default 0)"},                \
    {"expanding", NULL, "walkforward: train from the first observation (default: rolling window)"}

#endif
