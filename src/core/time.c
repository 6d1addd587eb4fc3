/* time.c: placeholder until written this session. */
