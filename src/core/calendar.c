/* calendar.c: placeholder until written this session. */
