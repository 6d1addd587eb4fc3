/* import.c: placeholder until written this session. */
