#ifndef CLINUX_H
#define CLINUX_H
// Thin wrappers for Linux calls that Glibc's Swift module does not expose.
// _GNU_SOURCE is defined in shim.c only: defining it for Swift breaks bind's sockaddr types.
// Every wrapper returns what the system call returns and leaves errno set on failure.

#include <sys/types.h>

/// splice(2) with no offsets (both ends are sockets or pipes).
ssize_t clinux_splice(int fd_in, int fd_out, size_t len, unsigned int flags);

/// pipe2(2) with O_NONBLOCK | O_CLOEXEC; fds[0] is the read end, fds[1] the write end.
int clinux_pipe2(int fds[2]);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. addr/len may be NULL.
int clinux_accept4(int fd, void *addr, unsigned int *len);

/// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC added to type.
int clinux_socket_nonblocking(int domain, int type, int protocol);

/// fcntl(F_SETPIPE_SZ); returns the size the kernel actually set, or -1.
int clinux_set_pipe_size(int fd, int size);

/// fcntl(F_GETPIPE_SZ); returns the pipe's capacity in bytes, or -1.
int clinux_get_pipe_size(int fd);

/// ioctl(FIONREAD): bytes waiting to be read (sockets and pipes), or -1.
int clinux_bytes_readable(int fd);

/// One readiness event from `clinux_epoll_wait`: an unpacked copy of `struct epoll_event`
/// (which is packed on x86-64) carrying the 64-bit token given at registration.
typedef struct {
    unsigned int events;
    unsigned long long token;
} clinux_poll_event;

/// epoll_create1(EPOLL_CLOEXEC).
int clinux_epoll_create(void);

/// epoll_ctl(2); `op` is one of CLINUX_EPOLL_CTL_*, `events` a mask of CLINUX_EPOLL*.
int clinux_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long token);

/// epoll_wait(2) into `out` (at most `max`), without blocking when `timeout_ms` is 0.
int clinux_epoll_wait(int epfd, clinux_poll_event *out, int max, int timeout_ms);

/// CPUs in this process's affinity mask (sched_getaffinity + CPU_COUNT), or -1.
int clinux_available_cpus(void);

extern const int CLINUX_EPOLL_CTL_ADD;
extern const int CLINUX_EPOLL_CTL_MOD;
extern const int CLINUX_EPOLL_CTL_DEL;
extern const unsigned int CLINUX_EPOLLIN;
extern const unsigned int CLINUX_EPOLLOUT;
extern const unsigned int CLINUX_EPOLLERR;
extern const unsigned int CLINUX_EPOLLHUP;
extern const unsigned int CLINUX_EPOLLRDHUP;
extern const unsigned int CLINUX_EPOLLONESHOT;

extern const unsigned int CLINUX_SPLICE_F_MOVE;
extern const unsigned int CLINUX_SPLICE_F_NONBLOCK;
extern const unsigned int CLINUX_SPLICE_F_MORE;
extern const int CLINUX_MSG_NOSIGNAL;
extern const int CLINUX_SO_REUSEPORT;

#endif
