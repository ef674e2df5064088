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

extern const unsigned int CLINUX_SPLICE_F_MOVE;
extern const unsigned int CLINUX_SPLICE_F_NONBLOCK;
extern const unsigned int CLINUX_SPLICE_F_MORE;
extern const int CLINUX_MSG_NOSIGNAL;
extern const int CLINUX_SO_REUSEPORT;

#endif
