#ifndef CLINUX_H
#define CLINUX_H
// Thin wrappers for Linux calls that Glibc's Swift module does not expose.
// _GNU_SOURCE is defined in shim.c only: defining it for Swift breaks bind's sockaddr types.
int clinux_placeholder(void);
#endif
