/* fuzz_venues.c: libFuzzer target for the execution.venues parser (qc_venue_setup_parse): any text
 * is either 1 to 16 well-formed venues (NUL-terminated distinct names, fees and latency within
 * their ranges) or QC_ERR_INPUT with a message, never a crash. An accepted setup is also made into
 * a routing venue and freed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execution/route_venue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    qc_venue_setup s;
    qc_venue_setup_init(&s, QC_VENUE_SOR);
    qc_error err = {0};
    qc_err rc = qc_venue_setup_parse(text, &s, &err);
    free(text);
    if (rc) {
        if (rc != QC_ERR_INPUT || !err.msg[0]) abort();
        return 0;
    }
    if (s.n < 1 || s.n > QC_ROUTER_MAX_VENUES) abort();
    for (size_t k = 0; k < s.n; k++) {
        if (!memchr(s.names[k], '\0', sizeof s.names[k]) || !s.names[k][0]) abort();
        if (!(fabs(s.ex[k].maker_fee) <= 1) || !(s.ex[k].taker_fee >= 0) || s.ex[k].latency_ns < 0) abort();
        for (size_t j = 0; j < k; j++)
            if (!strcmp(s.names[j], s.names[k])) abort();
    }
    qc_venue *v = NULL;
    for (size_t k = 0; k < s.n; k++) s.ex[k].max_price = 100, s.ex[k].capacity = 16; /* small books */
    if (qc_venue_setup_make(&s, 1, &v, &err) == QC_OK) qc_venue_setup_free(QC_VENUE_SOR, v);
    return 0;
}
