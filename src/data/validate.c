/* validate.c: placeholder until written this session. */
