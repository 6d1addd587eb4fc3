/* series.c: placeholder until written this session. */
