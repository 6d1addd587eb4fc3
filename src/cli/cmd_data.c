/* cmd_data.c: placeholder until written this session. */
