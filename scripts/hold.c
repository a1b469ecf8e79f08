/*
 * hold: an independent load generator in C for the connection-scale runs (scripts/ramp.sh).
 * It opens N TCP connections at a steady rate, holds them, checks each one still answers an
 * 8-byte echo at the end, and counts every failure: connects that time out or are refused,
 * established connections the server resets or closes while held, pings not answered.
 *
 * Written for this project; single-threaded epoll per process, several processes (-P) because
 * a process may hold at most its open-files limit. No JVM on the load side, so the server's
 * accept path is what the run measures.
 *
 *   hold -n 1000000 -r 10000 -H 30 -P 56 -s 127.0.0.2,...,127.0.0.18 127.0.0.1 8972
 * With -s each connection binds its own source address and port (60,000 ports an address).
 *
 * Output: one line per process, then a "total" line; exit 0 when nothing was lost.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the source ports a connection binds: PORT_SPAN a source address */
#define PORT_BASE 2000
#define PORT_SPAN 60000

enum { ST_FREE, ST_CONNECTING, ST_HELD, ST_PINGING, ST_DONE };

struct conn {
    uint8_t state;
    uint8_t got;         /* echo bytes received */
    int64_t started_ns;  /* connect started */
};

struct counts {
    long established, connect_timeout, connect_failed, lost_while_held, pings_ok, pings_failed;
    long max_connect_us;
    long ramp_ms;
};

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000L + t.tv_nsec;
}

static void usage(void) {
    fprintf(stderr, "usage: hold -n CONNS -r RATE_PER_S [-H HOLD_S] [-P PROCS] [-t CONNECT_TIMEOUT_MS]"
                    " [-s SRC_IP,...] HOST PORT\n");
    exit(2);
}

static struct counts run(const char *host, int port, long n, double rate, int hold_s, int timeout_ms,
                         char **srcs, int nsrc, int proc, long first) {
    struct counts c = {0};
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    long cap = (long) rl.rlim_cur + 16;
    struct conn *conns = calloc(cap, sizeof *conns);
    /* connecting fds in start order, with their start (a number reused after a timeout is a new entry) */
    struct pend { int fd; int64_t started_ns; } *pending = malloc(sizeof(struct pend) * (n + 1));
    long ph = 0, pt = 0;
    int ep = epoll_create1(0);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &dst.sin_addr);
    struct epoll_event evs[512];
    int64_t t0 = now_ns(), timeout_ns = (int64_t) timeout_ms * 1000000L;
    long started = 0, settled = 0;
    /* ramp: connect at the rate until all are started and settled (established or failed) */
    while (settled < n) {
        int64_t t = now_ns();
        long due = (long) ((t - t0) / 1e9 * rate) + 1;
        /* at most 64 connects between two looks at the ready list: a process that fell behind
         * (the two cores are shared with the server) would otherwise start thousands in one burst
         * and leave the first of them unseen for seconds, counting as timeouts of its own making */
        for (int burst = 0; started < n && started < due && burst < 64; burst++) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0 || fd >= cap) {
                fprintf(stderr, "proc %d: socket: %s\n", proc, fd < 0 ? strerror(errno) : "over the limit");
                if (fd >= 0) close(fd);
                c.connect_failed += n - started;
                settled += n - started;
                started = n;
                break;
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (nsrc > 0) {
                /* An explicit source address and port, each connection its own (first + started):
                 * left to connect(), the kernel walks the ports in use on the address for a free
                 * one, which cost 145 us of kernel time a connect at 28,000 an address. */
                long g = first + started;
                struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(PORT_BASE + g % PORT_SPAN)};
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* a port left in TIME_WAIT */
                inet_pton(AF_INET, srcs[(g / PORT_SPAN) % nsrc], &src.sin_addr);
                int bound = bind(fd, (struct sockaddr *) &src, sizeof src);
                for (int spare = 0; bound < 0 && errno == EADDRINUSE && spare < 16; spare++) {
                    /* a listener of this machine's owns that port: one of the spares above the span */
                    src.sin_port = htons(PORT_BASE + PORT_SPAN + (int) ((g * 16 + spare) % 3000));
                    bound = bind(fd, (struct sockaddr *) &src, sizeof src);
                }
                if (bound < 0) {
                    fprintf(stderr, "proc %d: bind %s:%d: %s\n", proc, srcs[(g / PORT_SPAN) % nsrc],
                            PORT_BASE + (int) (g % PORT_SPAN), strerror(errno));
                    close(fd);
                    started++;
                    c.connect_failed++;
                    settled++;
                    continue;
                }
            }
            started++;
            if (connect(fd, (struct sockaddr *) &dst, sizeof dst) < 0 && errno != EINPROGRESS) {
                c.connect_failed++;
                settled++;
                close(fd);
                continue;
            }
            conns[fd].state = ST_CONNECTING;
            conns[fd].started_ns = now_ns();
            pending[pt].fd = fd;
            pending[pt++].started_ns = conns[fd].started_ns;
            struct epoll_event e = {.events = EPOLLOUT, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        int k = epoll_wait(ep, evs, 512, 1);
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            struct conn *x = &conns[fd];
            if (x->state == ST_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                settled++;
                if (err != 0 || (evs[i].events & (EPOLLERR | EPOLLHUP))) {
                    c.connect_failed++;
                    x->state = ST_FREE;
                    close(fd);
                    continue;
                }
                long us = (long) ((now_ns() - x->started_ns) / 1000);
                if (us > c.max_connect_us) c.max_connect_us = us;
                c.established++;
                x->state = ST_HELD;
                struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
            } else if (x->state == ST_HELD) {
                /* the server sent nothing to a held connection: this is a reset or a close */
                c.lost_while_held++;
                x->state = ST_DONE;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            }
        }
        /* connects that waited longer than the timeout */
        int64_t tn = now_ns();
        while (ph < pt) {
            int fd = pending[ph].fd;
            if (conns[fd].state != ST_CONNECTING || conns[fd].started_ns != pending[ph].started_ns) { ph++; continue; }
            if (tn - pending[ph].started_ns < timeout_ns) break;
            c.connect_timeout++;
            settled++;
            conns[fd].state = ST_FREE;
            struct linger lg0 = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg0, sizeof lg0);
            close(fd);
            ph++;
        }
    }
    c.ramp_ms = (long) ((now_ns() - t0) / 1000000);
    printf("proc %d: ramp done in %ld ms, %ld established; holding %d s\n", proc, c.ramp_ms, c.established, hold_s);
    fflush(stdout);
    /* hold: anything readable on a held connection means the server closed or reset it */
    int64_t end = now_ns() + (int64_t) hold_s * 1000000000L;
    while (now_ns() < end) {
        int k = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (conns[fd].state == ST_HELD) {
                c.lost_while_held++;
                conns[fd].state = ST_DONE;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            }
        }
    }
    /* every held connection sends 8 bytes and must get them back (an echo server) */
    static const char ping[8] = "ping-me!";
    long outstanding = 0;
    for (long fd = 0; fd < cap; fd++) {
        if (conns[fd].state != ST_HELD) continue;
        if (write((int) fd, ping, 8) != 8) {
            c.pings_failed++;
            conns[fd].state = ST_DONE;
            continue;
        }
        conns[fd].state = ST_PINGING;
        outstanding++;
        if (outstanding % 2000 == 0) usleep(20000); /* 100k pings/s at most across 1,000 a tick */
    }
    int64_t deadline = now_ns() + 30000000000L;
    char buf[64];
    while (outstanding > 0 && now_ns() < deadline) {
        int k = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            struct conn *x = &conns[fd];
            if (x->state != ST_PINGING) continue;
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                x->got += (uint8_t) r;
                if (x->got >= 8) {
                    c.pings_ok++;
                    x->state = ST_DONE;
                    outstanding--;
                }
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                c.pings_failed++;
                x->state = ST_DONE;
                outstanding--;
            }
        }
    }
    c.pings_failed += outstanding;
    struct linger lg = {1, 0};
    for (long fd = 0; fd < cap; fd++) {
        if (conns[fd].state != ST_FREE) {
            setsockopt((int) fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close((int) fd);
        }
    }
    return c;
}

int main(int argc, char **argv) {
    long n = 0;
    double rate = 0;
    int hold_s = 10, procs = 1, timeout_ms = 10000, opt;
    char *srcarg = NULL;
    while ((opt = getopt(argc, argv, "n:r:H:P:t:s:")) != -1) {
        switch (opt) {
            case 'n': n = atol(optarg); break;
            case 'r': rate = atof(optarg); break;
            case 'H': hold_s = atoi(optarg); break;
            case 'P': procs = atoi(optarg); break;
            case 't': timeout_ms = atoi(optarg); break;
            case 's': srcarg = strdup(optarg); break;
            default: usage();
        }
    }
    if (n <= 0 || rate <= 0 || procs <= 0 || optind + 2 != argc) usage();
    const char *host = argv[optind];
    int port = atoi(argv[optind + 1]);
    char *srcs[256];
    int nsrc = 0;
    for (char *tok = srcarg ? strtok(srcarg, ",") : NULL; tok && nsrc < 256; tok = strtok(NULL, ",")) srcs[nsrc++] = tok;
    signal(SIGPIPE, SIG_IGN);
    int fds[procs][2];
    for (int p = 0; p < procs; p++) {
        pipe(fds[p]);
        if (fork() == 0) {
            close(fds[p][0]);
            long mine = n / procs + (p < n % procs ? 1 : 0);
            long first = p * (n / procs) + (p < n % procs ? p : n % procs);
            struct counts c = run(host, port, mine, rate / procs, hold_s, timeout_ms, srcs, nsrc, p, first);
            write(fds[p][1], &c, sizeof c);
            _exit(0);
        }
        close(fds[p][1]);
    }
    struct counts t = {0};
    for (int p = 0; p < procs; p++) {
        struct counts c;
        if (read(fds[p][0], &c, sizeof c) != sizeof c) {
            fprintf(stderr, "proc %d died\n", p);
            t.connect_failed += n / procs;
            continue;
        }
        t.established += c.established;
        t.connect_timeout += c.connect_timeout;
        t.connect_failed += c.connect_failed;
        t.lost_while_held += c.lost_while_held;
        t.pings_ok += c.pings_ok;
        t.pings_failed += c.pings_failed;
        if (c.max_connect_us > t.max_connect_us) t.max_connect_us = c.max_connect_us;
        if (c.ramp_ms > t.ramp_ms) t.ramp_ms = c.ramp_ms;
    }
    while (wait(NULL) > 0) {
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("load CPU: user %.1f s, system %.1f s\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    printf("total: connections %ld, established %ld, connect timeouts %ld, connect failures %ld, "
           "lost while held %ld, pings answered %ld, pings failed %ld, slowest connect %ld ms, ramp %ld ms\n",
           n, t.established, t.connect_timeout, t.connect_failed, t.lost_while_held, t.pings_ok, t.pings_failed,
           t.max_connect_us / 1000, t.ramp_ms);
    return t.established == n && t.lost_while_held == 0 && t.pings_failed == 0 ? 0 : 1;
}
