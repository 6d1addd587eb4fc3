/* out.c: placeholder until written this session. */
