/* log.c: placeholder until written this session. */
