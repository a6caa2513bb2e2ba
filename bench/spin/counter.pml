/* The lost update, as proc's counter benchmarks write it: N threads each
 * add 1 to an unprotected global K times (a load, then a store), and the
 * main thread waits for them all. Build with -DN=3 -DK=3 and so on. */
#ifndef N
#define N 3
#endif
#ifndef K
#define K 3
#endif

byte counter = 0;

proctype inc() {
    byte i = 0;
    byte tmp;
    do
    :: i < K -> tmp = counter; counter = tmp + 1; i++
    :: else -> break
    od
}

init {
    byte n = 0;
    do
    :: n < N -> run inc(); n++
    :: else -> break
    od;
    (_nr_pr == 1);
    printf("counter = %d\n", counter)
}
