#define _GNU_SOURCE
#include "CLinux.h"

#include <fcntl.h>
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
