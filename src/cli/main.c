/* main.c: placeholder until written this session. */
int main(void) { return 0; }
