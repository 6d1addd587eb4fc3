/* synth.c: placeholder until written this session. */
