/* csv.c: placeholder until written this session. */
