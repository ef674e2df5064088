#define _GNU_SOURCE
#include "CLinux.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert(sizeof(socklen_t) == sizeof(unsigned int), "socklen_t is passed as unsigned int");

const unsigned int CLINUX_SPLICE_F_MOVE = SPLICE_F_MOVE;
const unsigned int CLINUX_SPLICE_F_NONBLOCK = SPLICE_F_NONBLOCK;
const unsigned int CLINUX_SPLICE_F_MORE = SPLICE_F_MORE;
const int CLINUX_MSG_NOSIGNAL = MSG_NOSIGNAL;
const int CLINUX_SO_REUSEPORT = SO_REUSEPORT;

ssize_t clinux_splice(int fd_in, int fd_out, size_t len, unsigned int flags) {
    return splice(fd_in, NULL, fd_out, NULL, len, flags);
}

int clinux_pipe2(int fds[2]) {
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

int clinux_accept4(int fd, void *addr, unsigned int *len) {
    return accept4(fd, (struct sockaddr *)addr, (socklen_t *)len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int clinux_socket_nonblocking(int domain, int type, int protocol) {
    return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

int clinux_set_pipe_size(int fd, int size) {
    return fcntl(fd, F_SETPIPE_SZ, size);
}

int clinux_get_pipe_size(int fd) {
    return fcntl(fd, F_GETPIPE_SZ);
}

int clinux_bytes_readable(int fd) {
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) < 0) return -1;
    return n;
}

int clinux_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int clinux_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long token) {
    struct epoll_event ev = { .events = events, .data = { .u64 = token } };
    return epoll_ctl(epfd, op, fd, &ev);
}

int clinux_epoll_wait(int epfd, clinux_poll_event *out, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = events[i].events;
        out[i].token = events[i].data.u64;
    }
    return n;
}

const int CLINUX_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CLINUX_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int CLINUX_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const unsigned int CLINUX_EPOLLIN = EPOLLIN;
const unsigned int CLINUX_EPOLLOUT = EPOLLOUT;
const unsigned int CLINUX_EPOLLERR = EPOLLERR;
const unsigned int CLINUX_EPOLLHUP = EPOLLHUP;
const unsigned int CLINUX_EPOLLRDHUP = EPOLLRDHUP;
const unsigned int CLINUX_EPOLLONESHOT = EPOLLONESHOT;

int clinux_available_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    return CPU_COUNT(&set);
}
