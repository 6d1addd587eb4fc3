/* store.c: placeholder until written this session. */
