/* args.c: placeholder until written this session. */
