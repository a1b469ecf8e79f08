/*
 * connrate: short connections per second, in C: each connection connects, sends 8 bytes, reads
 * them back and closes with a reset (SO_LINGER 0, so that no TIME_WAIT uses up the ports), with
 * CONC of them under way at once in each of PROCS processes, for SECONDS after WARMUP seconds.
 * The same client for every server of a comparison (scripts/connrate.sh), so that the figure is
 * the server's and not the client's language.
 *
 *   connrate [-c CONC] [-P PROCS] [-w WARMUP] [-d SECONDS] HOST PORT
 *
 * Prints "connections/s N, failures F".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ST_FREE, ST_CONNECTING, ST_WAITING };

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000L + t.tv_nsec;
}

static struct sockaddr_in dst;
static int ep;
static uint8_t state[65536];
static uint8_t got[65536];

static int start(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || fd >= 65536) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *) &dst, sizeof dst) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    state[fd] = ST_CONNECTING;
    got[fd] = 0;
    struct epoll_event e = {.events = EPOLLOUT, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    return fd;
}

static void finish(int fd) {
    static const struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    state[fd] = ST_FREE;
    close(fd); /* also leaves the epoll set */
}

/* Returns connections completed inside the window and failures (in *failed). */
static long run(int conc, int warmup_s, int seconds, long *failed) {
    ep = epoll_create1(0);
    int live = 0;
    long done = 0, fails = 0;
    int64_t t0 = now_ns(), from = t0 + (int64_t) warmup_s * 1000000000L, to = from + (int64_t) seconds * 1000000000L;
    struct epoll_event evs[256];
    char buf[16];
    static const char ping[8] = "12345678";
    for (;;) {
        int64_t t = now_ns();
        if (t >= to) {
            break;
        }
        while (live < conc) {
            if (start() < 0) {
                fails += t >= from;
                usleep(1000);
                break;
            }
            live++;
        }
        int k = epoll_wait(ep, evs, 256, 10);
        t = now_ns();
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (state[fd] == ST_CONNECTING) {
                if ((evs[i].events & (EPOLLERR | EPOLLHUP)) || write(fd, ping, 8) != 8) {
                    fails += t >= from;
                    finish(fd);
                    live--;
                    continue;
                }
                state[fd] = ST_WAITING;
                struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
            } else if (state[fd] == ST_WAITING) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    got[fd] += (uint8_t) r;
                    if (got[fd] < 8) {
                        continue;
                    }
                    done += t >= from && t < to;
                } else if (r < 0 && errno == EAGAIN) {
                    continue;
                } else {
                    fails += t >= from;
                }
                finish(fd);
                live--;
            }
        }
    }
    *failed = fails;
    return done;
}

int main(int argc, char **argv) {
    int conc = 32, procs = 1, warmup = 3, seconds = 10, opt;
    while ((opt = getopt(argc, argv, "c:P:w:d:")) != -1) {
        switch (opt) {
            case 'c': conc = atoi(optarg); break;
            case 'P': procs = atoi(optarg); break;
            case 'w': warmup = atoi(optarg); break;
            case 'd': seconds = atoi(optarg); break;
            default: goto usage;
        }
    }
    if (optind + 2 != argc || conc <= 0 || procs <= 0 || seconds <= 0) {
    usage:
        fprintf(stderr, "usage: connrate [-c CONC] [-P PROCS] [-w WARMUP_S] [-d SECONDS] HOST PORT\n");
        return 2;
    }
    dst.sin_family = AF_INET;
    dst.sin_port = htons(atoi(argv[optind + 1]));
    inet_pton(AF_INET, argv[optind], &dst.sin_addr);
    signal(SIGPIPE, SIG_IGN);
    int fds[procs][2];
    for (int p = 0; p < procs; p++) {
        if (pipe(fds[p]) != 0) {
            return 2;
        }
        if (fork() == 0) {
            long r[2];
            r[0] = run(conc, warmup, seconds, &r[1]);
            if (write(fds[p][1], r, sizeof r) != sizeof r) {
                _exit(1);
            }
            _exit(0);
        }
        close(fds[p][1]);
    }
    long done = 0, failed = 0;
    for (int p = 0; p < procs; p++) {
        long r[2];
        if (read(fds[p][0], r, sizeof r) == sizeof r) {
            done += r[0];
            failed += r[1];
        } else {
            failed++;
        }
    }
    while (wait(NULL) > 0) {
    }
    printf("connections/s %ld, failures %ld\n", done / seconds, failed);
    return failed == 0 ? 0 : 1;
}
