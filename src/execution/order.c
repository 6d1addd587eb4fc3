/* order.c: the order state machine and request checks shared by backtests and live trading.
 * Terminal states: filled, cancelled, rejected, expired. REPLACED is transient: a replace keeps the
 * id and returns the order to NEW or PARTIAL. */
#include "execution/order.h"

#include <math.h>

static const char *k_status[QC_OS__COUNT] = {"pending_new", "new",      "partially_filled",
                                             "filled",      "pending_cancel", "cancelled",
                                             "replaced",    "rejected", "expired"};

/* allowed[from] is a bit set of `to` states */
#define B(s) (1u << (s))
static const unsigned k_allowed[QC_OS__COUNT] = {
    [QC_OS_PENDING_NEW] = B(QC_OS_NEW) | B(QC_OS_REJECTED),
    [QC_OS_NEW] = B(QC_OS_PARTIAL) | B(QC_OS_FILLED) | B(QC_OS_PENDING_CANCEL) | B(QC_OS_CANCELLED) |
                  B(QC_OS_REPLACED) | B(QC_OS_EXPIRED) | B(QC_OS_REJECTED),
    [QC_OS_PARTIAL] = B(QC_OS_PARTIAL) | B(QC_OS_FILLED) | B(QC_OS_PENDING_CANCEL) | B(QC_OS_CANCELLED) |
                      B(QC_OS_REPLACED) | B(QC_OS_EXPIRED),
    [QC_OS_PENDING_CANCEL] = B(QC_OS_CANCELLED) | B(QC_OS_PARTIAL) | B(QC_OS_FILLED) | B(QC_OS_EXPIRED),
    [QC_OS_REPLACED] = B(QC_OS_NEW) | B(QC_OS_PARTIAL),
};
#undef B

int qc_order_can_transition(qc_order_status from, qc_order_status to) {
    if ((unsigned)from >= QC_OS__COUNT || (unsigned)to >= QC_OS__COUNT) return 0;
    return (k_allowed[from] >> to) & 1u;
}

qc_err qc_order_transition(qc_order *o, qc_order_status to, int64_t ts, qc_error *err) {
    if (!qc_order_can_transition(o->status, to))
        return qc_err_set(err, QC_ERR_EXECUTION, "order %llu: no transition %s -> %s",
                          (unsigned long long)o->id, qc_order_status_name(o->status), qc_order_status_name(to));
    o->status = to;
    o->updated_ts = ts;
    return QC_OK;
}

int qc_order_is_open(const qc_order *o) {
    return o->status == QC_OS_PENDING_NEW || o->status == QC_OS_NEW || o->status == QC_OS_PARTIAL ||
           o->status == QC_OS_PENDING_CANCEL || o->status == QC_OS_REPLACED;
}

const char *qc_order_status_name(qc_order_status s) {
    return (unsigned)s < QC_OS__COUNT ? k_status[s] : "?";
}

const char *qc_order_type_name(qc_order_type t) {
    static const char *n[] = {"market", "limit", "stop", "stop_limit"};
    return (unsigned)t < 4 ? n[t] : "?";
}

const char *qc_tif_name(qc_tif t) {
    static const char *n[] = {"day", "gtc", "ioc", "fok"};
    return (unsigned)t < 4 ? n[t] : "?";
}

static int positive(double x) { return isfinite(x) && x > 0; }

/* FOK, post-only and ISO only make sense for orders that meet a book at once. */
static qc_err check_instructions(const qc_order_req *r, qc_error *err) {
    if (r->flags & ~(unsigned)(QC_ORDF_POST_ONLY | QC_ORDF_ISO))
        return qc_err_set(err, QC_ERR_EXECUTION, "order: unknown instruction flags %#x", r->flags);
    if (r->tif == QC_TIF_FOK && r->type != QC_ORD_MARKET && r->type != QC_ORD_LIMIT)
        return qc_err_set(err, QC_ERR_EXECUTION, "order: fill-or-kill needs a market or limit order");
    if ((r->flags & QC_ORDF_POST_ONLY) && (r->type != QC_ORD_LIMIT || r->tif == QC_TIF_IOC || r->tif == QC_TIF_FOK))
        return qc_err_set(err, QC_ERR_EXECUTION, "order: post-only needs a resting (DAY/GTC) limit order");
    if ((r->flags & QC_ORDF_ISO) && r->type != QC_ORD_LIMIT)
        return qc_err_set(err, QC_ERR_EXECUTION, "order: an intermarket sweep must be a limit order");
    return QC_OK;
}

qc_err qc_order_req_check(const qc_order_req *r, qc_error *err) {
    if (r->side != QC_BUY && r->side != QC_SELL) return qc_err_set(err, QC_ERR_EXECUTION, "order: bad side");
    if ((unsigned)r->type > QC_ORD_STOP_LIMIT || (unsigned)r->tif > QC_TIF_FOK)
        return qc_err_set(err, QC_ERR_EXECUTION, "order: bad type or time in force");
    qc_err rc = check_instructions(r, err);
    if (rc) return rc;
    int has_qty = r->qty != 0, has_cash = r->cash != 0;
    if (has_qty == has_cash)
        return qc_err_set(err, QC_ERR_EXECUTION, "order: give exactly one of quantity and cash amount");
    if ((has_qty && !positive(r->qty)) || (has_cash && !positive(r->cash)))
        return qc_err_set(err, QC_ERR_EXECUTION, "order: quantity/cash must be a positive number");
    int need_limit = r->type == QC_ORD_LIMIT || r->type == QC_ORD_STOP_LIMIT;
    int need_stop = r->type == QC_ORD_STOP || r->type == QC_ORD_STOP_LIMIT;
    if (need_limit && !positive(r->limit_price))
        return qc_err_set(err, QC_ERR_EXECUTION, "order: %s order needs a positive limit price",
                          qc_order_type_name(r->type));
    if (need_stop && !positive(r->stop_price))
        return qc_err_set(err, QC_ERR_EXECUTION, "order: %s order needs a positive stop price",
                          qc_order_type_name(r->type));
    return QC_OK;
}
