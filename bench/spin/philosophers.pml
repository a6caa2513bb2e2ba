/* Five dining philosophers, each taking the fork on its left, then the
 * one on its right: the deadlock proc's benchmark finds. */
#define P 5

bit fork[P];

proctype philosopher(byte i) {
    atomic { fork[i] == 0 -> fork[i] = 1 };
    atomic { fork[(i + 1) % P] == 0 -> fork[(i + 1) % P] = 1 };
    fork[(i + 1) % P] = 0;
    fork[i] = 0
}

init {
    byte n = 0;
    do
    :: n < P -> run philosopher(n); n++
    :: else -> break
    od;
    (_nr_pr == 1)
}
